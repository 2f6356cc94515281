#pragma once
// Standard base64 (RFC 4648, with padding), as Kubernetes Secret data uses it.
#include <optional>
#include <string>
#include <string_view>

namespace rotor {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid padded base64.
std::optional<std::string> base64_decode(std::string_view text);

// The URL-safe alphabet without padding (RFC 7515, JWTs and JWKs).
std::string base64url_encode(std::string_view bytes);
// Accepts input with or without padding; nullopt when it is not base64url.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace rotor
