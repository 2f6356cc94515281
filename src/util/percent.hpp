#pragma once
// Percent-encoding as RFC 3986 defines it: every byte outside the unreserved set
// A-Z a-z 0-9 - . _ ~ becomes %XX (uppercase hex). Both the SDK-HMAC-SHA256 signer and the
// Kubernetes client's URLs use exactly this.
#include <string>
#include <string_view>

namespace rotor {

std::string percent_encode(std::string_view s);
// Decodes %XX sequences and leaves anything else as it is.
std::string percent_decode(std::string_view s);

}  // namespace rotor
