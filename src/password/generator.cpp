// generate: one character of each class, the rest from the union of the classes, shuffled;
// a candidate that breaks any rule is dropped and drawn again.
#include <algorithm>
#include <array>

#include "password/policy.hpp"

namespace rotor::password {
namespace {

// A candidate fails one check in a few hundred (mostly runs of three identical characters),
// so a thousand failures in a row means the random source is broken, not unlucky.
constexpr std::size_t kMaxDraws = 1000;

constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "0123456789";

// Cleanses a buffer however the scope is left: uniform() may throw mid-draw.
class Wipe {
 public:
  explicit Wipe(std::string& s) : s_(s) {}
  Wipe(const Wipe&) = delete;
  Wipe& operator=(const Wipe&) = delete;
  ~Wipe() { cleanse(s_); }

 private:
  std::string& s_;
};

char pick(std::string_view alphabet, RandomSource& random) {
  return alphabet[random.uniform(static_cast<std::uint32_t>(alphabet.size()))];
}

// Draws into `out` (already sized) in place, so no copy of the candidate is ever made.
void draw(std::string& out, const std::array<std::string_view, 4>& classes, std::string_view all,
          RandomSource& random) {
  // One of each class first, so all four are always present ...
  for (std::size_t k = 0; k < classes.size(); ++k) out[k] = pick(classes[k], random);
  // ... the rest uniformly from the union ...
  for (std::size_t i = classes.size(); i < out.size(); ++i) out[i] = pick(all, random);
  // ... then a Fisher-Yates shuffle, so the guaranteed characters sit at uniform positions.
  for (std::size_t i = out.size() - 1; i > 0; --i) {
    std::swap(out[i], out[random.uniform(static_cast<std::uint32_t>(i + 1))]);
  }
}

bool acceptable(const Policy& policy, std::string_view candidate) {
  if (validate(policy.rules, candidate, policy.username)) return false;
  // Weak patterns are refused for every call, not only where a document asks (DDM).
  if (has_weak_pattern(candidate)) return false;
  // A space the user opted into must not sit at either end, where YAML, shells and
  // form fields trim it away.
  return candidate.front() != ' ' && candidate.back() != ' ';
}

}  // namespace

Secret generate(const Policy& policy, RandomSource& random) {
  return generate(policy, random, nullptr);
}

Secret generate(const Policy& policy, RandomSource& random, std::size_t* redraws) {
  std::string specials = policy.rules.specials;
  if (policy.rules.allow_space) specials.push_back(' ');
  if (specials.empty()) throw PolicyError("the policy has no special character to draw from");
  if (policy.length < 4 || policy.length < policy.rules.min_length ||
      policy.length > policy.rules.max_length) {
    throw PolicyError("the policy's length is outside the lengths its rules allow");
  }
  const std::array<std::string_view, 4> classes = {kLower, kUpper, kDigits, specials};
  std::string all;
  for (std::string_view c : classes) all += c;

  // Always a heap buffer (more than the in-place capacity of 15): moving a heap string
  // hands the pointer over, through Secret's by-value constructor too, so no uncleansed
  // copy of the password is left on the stack.
  std::string candidate;
  Wipe wipe(candidate);
  candidate.reserve(std::max<std::size_t>(policy.length, 32));
  candidate.resize(policy.length);
  for (std::size_t n = 0; n < kMaxDraws; ++n) {
    draw(candidate, classes, all, random);
    if (acceptable(policy, candidate)) {
      if (redraws) *redraws = n;
      return Secret(std::move(candidate));
    }
  }
  throw std::runtime_error("password generation: no acceptable password after " +
                           std::to_string(kMaxDraws) + " draws; the random source looks broken");
}

}  // namespace rotor::password
