// validate and has_weak_pattern. Messages name the rule broken and never quote the password,
// any of its characters or its length: they end up in events and logs.
#include <array>

#include "password/policy.hpp"

namespace rotor::password {
namespace {

// Explicit ASCII ranges rather than <cctype>: the cloud's rules are about ASCII, and the
// locale must not widen them.
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
char fold(char c) {
  return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_folded(std::string_view a, std::string_view b, bool reversed) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(reversed ? b[b.size() - 1 - i] : b[i])) return false;
  }
  return true;
}

// +1 or -1 when `b` follows `a` in the alphabet (case-insensitive) or among the digits.
int step(char a, char b) {
  const char x = fold(a), y = fold(b);
  const bool letters = is_lower(x) && is_lower(y);
  if (!letters && !(is_digit(x) && is_digit(y))) return 0;
  if (y == x + 1) return 1;
  if (y == x - 1) return -1;
  return 0;
}

}  // namespace

std::optional<std::string> validate(const Rules& rules, std::string_view password,
                                    std::string_view username) {
  if (password.size() < rules.min_length || password.size() > rules.max_length) {
    return "length is outside the " + std::to_string(rules.min_length) + ".." +
           std::to_string(rules.max_length) + " characters allowed";
  }
  bool lower = false, upper = false, digit = false, special = false;
  for (char c : password) {
    if (is_lower(c)) {
      lower = true;
    } else if (is_upper(c)) {
      upper = true;
    } else if (is_digit(c)) {
      digit = true;
    } else if (rules.specials.find(c) != std::string::npos || (c == ' ' && rules.allow_space)) {
      // Space counts as a special character: doc 004 lists it with the specials.
      special = true;
    } else {
      return std::string("contains a character outside the allowed set");
    }
  }
  const std::size_t classes = std::size_t{lower} + upper + digit + special;
  if (classes < rules.min_classes) {
    return "contains fewer than " + std::to_string(rules.min_classes) +
           " of the character classes lowercase, uppercase, digits, special characters";
  }
  if (rules.no_leading_dash && password.front() == '-') {
    return std::string("starts with a hyphen (-)");
  }
  // Case-insensitive, stricter than the DDM doc says: a service that folds case must not
  // see its rule broken by a password rotor thought fine.
  if (rules.reject_username && !username.empty()) {
    if (equals_folded(password, username, false)) return std::string("is the username");
    if (equals_folded(password, username, true)) return std::string("is the username reversed");
  }
  if (rules.reject_weak && has_weak_pattern(password)) {
    return std::string(
        "is a weak password (a run of 3 identical characters, a sequence of 4 letters or "
        "digits, or fewer than 4 distinct characters)");
  }
  return std::nullopt;
}

bool has_weak_pattern(std::string_view password) {
  std::array<bool, 256> seen{};
  std::size_t distinct = 0;
  std::size_t same_run = 0;  // length of the current run of one character
  std::size_t seq_run = 0;   // length of the current ascending or descending sequence
  int direction = 0;
  for (std::size_t i = 0; i < password.size(); ++i) {
    const auto u = static_cast<unsigned char>(password[i]);
    if (!seen[u]) {
      seen[u] = true;
      ++distinct;
    }
    if (i == 0) {
      same_run = seq_run = 1;
      continue;
    }
    same_run = password[i] == password[i - 1] ? same_run + 1 : 1;
    if (same_run >= 3) return true;
    const int s = step(password[i - 1], password[i]);
    if (s != 0 && s == direction) {
      ++seq_run;
    } else {
      seq_run = s != 0 ? 2 : 1;
    }
    direction = s;
    if (seq_run >= 4) return true;
  }
  return distinct < 4;
}

}  // namespace rotor::password
