// password::validate against every document version's rules and against the intersection
// rotor generates for. A password the validator accepts satisfies each rule as written in
// Rules (checked again here, independently), and one the intersection accepts is accepted
// by every version of the call. Refusals never quote the password.
#include <array>
#include <string>

#include "fuzz_check.hpp"
#include "password/policy.hpp"

namespace {

using rotor::password::Call;
using rotor::password::Rules;

constexpr std::array<Call, 4> kCalls = {Call::kDcsReset, Call::kDcsChange, Call::kDdmReset,
                                        Call::kDmsReset};

bool folded_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto fold = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

// The rules of `r`, read off the struct's fields rather than from validator.cpp.
void check_accepted(const Rules& r, std::string_view pw, std::string_view user) {
  FUZZ_CHECK(pw.size() >= r.min_length && pw.size() <= r.max_length, "length within bounds");
  bool lower = false, upper = false, digit = false, special = false;
  for (char c : pw) {
    lower = lower || (c >= 'a' && c <= 'z');
    upper = upper || (c >= 'A' && c <= 'Z');
    digit = digit || (c >= '0' && c <= '9');
    const bool is_special = r.specials.find(c) != std::string::npos || (c == ' ' && r.allow_space);
    special = special || is_special;
    FUZZ_CHECK(
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || is_special,
        "only allowed characters");
  }
  FUZZ_CHECK(std::size_t{lower} + upper + digit + special >= r.min_classes, "enough classes");
  FUZZ_CHECK(!r.no_leading_dash || pw.front() != '-', "no leading dash");
  if (r.reject_username && !user.empty()) {
    const std::string reversed(user.rbegin(), user.rend());
    FUZZ_CHECK(!folded_equal(pw, user) && !folded_equal(pw, reversed), "not the username");
  }
  FUZZ_CHECK(!r.reject_weak || !rotor::password::has_weak_pattern(pw), "not weak");
}

void check_refusal(const std::string& why, std::string_view pw) {
  FUZZ_CHECK(!why.empty(), "a refusal says why");
  // The messages are lowercase prose: a password with a capital letter in it could only
  // appear in one by being quoted.
  if (pw.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos) {
    FUZZ_CHECK(why.find(pw) == std::string::npos, "a refusal never quotes the password");
  }
}

bool accepts(const Rules& r, std::string_view pw, std::string_view user) {
  const auto why = rotor::password::validate(r, pw, user);
  if (why) {
    check_refusal(*why, pw);
    return false;
  }
  check_accepted(r, pw, user);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rotor::fuzz::Input in(data, size);
  const Call call = kCalls[in.byte() % kCalls.size()];
  const std::string_view user = in.take(in.byte() % 16);
  const std::string_view pw = in.rest();
  const auto& versions = rotor::password::document_versions(call);
  for (const Rules& version : versions) accepts(version, pw, user);
  if (accepts(rotor::password::intersection(call), pw, user)) {
    for (const Rules& version : versions) {
      FUZZ_CHECK(accepts(version, pw, user), "the intersection accepts only what all accept");
    }
  }
  return 0;
}
