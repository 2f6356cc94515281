// make_policy: the intersection of a call's document versions, narrowed by the user's options
// and by rotor's production defaults.
#include <algorithm>

#include "password/policy.hpp"

namespace rotor::password {
namespace {

constexpr std::size_t kDefaultLength = 32;

// rotor's own policy asks for all four classes although every document asks for three: a
// password with all four is never at the edge of any version's class count, and the
// generator can always meet it because make_policy insists on a non-empty special set.
constexpr std::size_t kPolicyClasses = 4;

// DMS production default. Doc 004 allows space, `'`, `"` and `\`, but Kafka clients embed
// the password in a sasl.jaas.config string (`password="..."`), where a quote ends the
// value and a backslash starts an escape, and RabbitMQ URIs and shell environment files
// break on spaces and quotes. The user may opt in through special_characters.
constexpr std::string_view kDmsDefaultExcluded = R"( '"\)";

std::string describe(char c) {
  if (c == ' ') return "space";
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u >= 0x7f) {
    static const char* hex = "0123456789abcdef";
    return std::string("byte 0x") + hex[u >> 4] + hex[u & 0xf];
  }
  return std::string("'") + c + "'";
}

// The user's set, checked against what the call allows, without duplicates (a duplicate
// would make that character more likely in generated passwords).
std::string narrowed_specials(Call call, const Rules& base, const std::string& wanted) {
  if (wanted.empty()) {
    throw PolicyError(std::string("special_characters must not be empty: every generated password "
                                  "contains a special character, and ") +
                      to_string(call) + " requires at least " + std::to_string(base.min_classes) +
                      " character classes");
  }
  std::string out;
  for (char c : wanted) {
    const bool allowed =
        base.specials.find(c) != std::string::npos || (c == ' ' && base.allow_space);
    if (!allowed) {
      throw PolicyError("special_characters: " + describe(c) + " is not a special character " +
                        "allowed for " + to_string(call) + " (allowed: " + base.specials +
                        (base.allow_space ? " and space" : "") + ")");
    }
    if (out.find(c) == std::string::npos) out.push_back(c);
  }
  return out;
}

}  // namespace

Policy make_policy(Call call, const Options& options) {
  const Rules base = intersection(call);
  Policy policy;
  policy.call = call;
  policy.rules = base;
  policy.rules.id = base.id + "-policy";
  policy.rules.min_classes = std::max(base.min_classes, kPolicyClasses);

  policy.length = options.length.value_or(std::min(kDefaultLength, base.max_length));
  if (policy.length < base.min_length || policy.length > base.max_length) {
    throw PolicyError("length " + std::to_string(policy.length) + " is outside " +
                      std::to_string(base.min_length) + ".." + std::to_string(base.max_length) +
                      " allowed for " + to_string(call));
  }

  if (options.special_characters) {
    policy.rules.specials = narrowed_specials(call, base, *options.special_characters);
  } else if (call == Call::kDmsReset) {
    std::erase_if(policy.rules.specials,
                  [](char c) { return kDmsDefaultExcluded.find(c) != std::string_view::npos; });
  }
  // A space is drawn like any other special character once chosen; the rules of the
  // policy then allow it, and only then.
  const auto space = policy.rules.specials.find(' ');
  policy.rules.allow_space = space != std::string::npos;
  if (policy.rules.allow_space) policy.rules.specials.erase(space, 1);

  if (base.reject_username && options.username.empty()) {
    throw PolicyError(std::string("username is required for ") + to_string(call) +
                      ": the password must differ from the username and its reverse");
  }
  policy.username = options.username;
  return policy;
}

}  // namespace rotor::password
