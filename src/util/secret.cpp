#include "util/secret.hpp"

#include <openssl/crypto.h>

namespace rotor {

void cleanse(std::string& s) noexcept {
  // Cleanse the whole capacity: a shrunk string may still hold old bytes past size().
  if (s.capacity() > 0) OPENSSL_cleanse(s.data(), s.capacity());
  s.clear();
}

void Secret::wipe() noexcept {
  cleanse(value_);
}

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

bool operator==(const Secret& a, const Secret& b) {
  if (a.value_.size() != b.value_.size()) return false;
  return CRYPTO_memcmp(a.value_.data(), b.value_.data(), a.value_.size()) == 0;
}

}  // namespace rotor
