#pragma once
// A string that holds a password, a secret key or a token.
//
// It has no stream operator and no implicit conversion to std::string, so that it cannot
// slip into a log line or an error message by accident; `reveal()` is the one door out and
// is easy to grep for. Its buffer is cleansed when it is dropped or overwritten.
#include <string>
#include <string_view>

namespace rotor {

// Overwrites a plain buffer that held secret material.
void cleanse(std::string& s) noexcept;

class Secret {
 public:
  Secret() = default;
  // Takes the caller's buffer and wipes what a short string leaves behind in it (small
  // strings live inside the object, so a move copies their bytes).
  explicit Secret(std::string&& value) : value_(std::move(value)) { cleanse(value); }
  explicit Secret(const std::string& value) : value_(value) {}
  explicit Secret(const char* value) : value_(value) {}
  Secret(const Secret& other) : value_(other.value_) {}
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret() { wipe(); }

  // The secret itself, for the one place that must send or store it.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  std::size_t size() const { return value_.size(); }

  friend bool operator==(const Secret& a, const Secret& b);

 private:
  void wipe() noexcept;
  std::string value_;
};

}  // namespace rotor
