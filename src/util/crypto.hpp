#pragma once
// Hashing and MACs from OpenSSL, as lowercase hex.
#include <string>
#include <string_view>

namespace rotor {

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
std::string to_hex(const unsigned char* data, std::size_t n);
// Constant-time comparison for signatures and tokens.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace rotor
