#pragma once
// Password rules of each cloud call, per document version (../shared/seeds, INDEX.md), the
// policy a rotation generates against, the generator and the validator.
//
// A generated password must be accepted by every document version a region may still
// run, so the default policy is the intersection of the versions' rules.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "util/random.hpp"
#include "util/secret.hpp"

namespace rotor::password {

// The calls whose passwords rotor sets. DMS covers Kafka and RabbitMQ (same rules).
enum class Call { kDcsReset, kDcsChange, kDdmReset, kDmsReset };
const char* to_string(Call call);

// The rules of one document version of one call.
struct Rules {
  std::string id;           // short stable id, e.g. "dcs-reset-000"; used by the simulator
  std::string description;  // e.g. "DCS reset, doc 000 (2025-08-05)"
  std::size_t min_length = 8;
  std::size_t max_length = 32;
  std::string specials;         // the special characters allowed
  bool allow_space = false;     // DMS allows spaces
  bool no_leading_dash = false; // DMS: must not start with '-'
  bool reject_username = false; // DDM: not the username nor the username reversed
  bool reject_weak = false;     // DDM: no weak password
  std::size_t min_classes = 3;  // of lowercase, uppercase, digits, specials
};

// Every document version of `call` that a region may still run.
const std::vector<Rules>& document_versions(Call call);
// The version with that id, or nullptr.
const Rules* find_version(std::string_view id);
// What every version accepts: the intersection of special sets, the smallest maximum, the
// largest minimum, and every prohibition of any version.
Rules intersection(Call call);

// What a user may choose; anything unset takes the default.
struct Options {
  std::optional<std::size_t> length;
  std::optional<std::string> special_characters;  // must be a subset of the call's set
  std::string username;                           // DDM
};

// The user's options broke a rule; what() names the rule (and never holds a password).
class PolicyError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Policy {
  Call call = Call::kDcsReset;
  Rules rules;          // the intersection, narrowed by the options
  std::size_t length = 32;
  std::string username;
};

// Throws PolicyError naming the rule broken.
Policy make_policy(Call call, const Options& options = {});

// A password that passes validate(policy.rules, ..., policy.username) and avoids weak
// patterns, with all four classes present. Uniform, unbiased draws from `random`.
Secret generate(const Policy& policy, RandomSource& random);
// The same; `*redraws`, unless null, receives how many candidates were drawn and refused
// before the one returned (for the benchmark). Throws std::runtime_error if an implausible
// number of candidates in a row is refused (a broken random source).
Secret generate(const Policy& policy, RandomSource& random, std::size_t* redraws);

// Empty when `password` satisfies `rules`; otherwise the first rule broken, in words that
// never include the password itself.
std::optional<std::string> validate(const Rules& rules, std::string_view password,
                                    std::string_view username = {});

// Long runs of one character, ascending or descending sequences such as "1234" or "dcba",
// or a password made of one repeated character.
bool has_weak_pattern(std::string_view password);

}  // namespace rotor::password
