#pragma once
// The simulation's cloud: instances with a password, the documented DCS change lockout
// (5 wrong old passwords lock changes for 5 minutes), and faults chosen by the simulation's
// seeded random source for each call. It also keeps what the invariants need: every
// password an instance ever held and every wrong-old-password attempt.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cloud/password_api.hpp"
#include "util/clock.hpp"

namespace rotor::dst {

// Thrown where the simulated process dies; the world restarts it from the API server.
struct Crash {};

enum class Fault {
  kNone,
  kUnknownBefore,  // no answer, nothing applied (timeout before the service)
  kUnknownAfter,   // applied, answer lost (5xx / connection drop after applying)
  kBusy,
  kThrottled,
  kRejected,     // 404 / "failed": nothing applied
  kNotSent,      // IAM token could not be fetched
  kCrashBefore,  // the process dies before the request leaves
  kCrashAfter,   // the service applies it, the process dies before the answer
};

struct Instance {
  std::string password;
  bool reset_unsupported = false;
  int wrong_in_a_row = 0;
  TimePoint locked_until{};
  std::set<std::string> history;          // every password it ever held
  bool locked_by_wrong_attempts = false;  // without a person's acknowledgement: a violation
  // A person told rotor to spend the last attempt (rotate-now on a LastAttempt block): a
  // lock that follows is theirs. Spent by a lock, void after a correct change.
  bool lock_acknowledged = false;
};

struct WrongAttempt {
  std::string instance;
  std::string old_password;
  std::uint64_t person_epoch;
};

class ModelCloud final : public cloud::PasswordApi {
 public:
  ModelCloud(const Clock& clock, std::function<Fault()> next_fault)
      : clock_(clock), next_fault_(std::move(next_fault)) {}

  std::map<std::string, Instance> instances;
  std::vector<WrongAttempt> wrong_attempts;
  // Per instance, bumped when a person acts on the resource that rotates it (fixes or breaks
  // its Secret, asks for a rotation, edits the spec): a wrong attempt counts against the
  // epoch it was made in.
  std::map<std::string, std::uint64_t> person_epoch;
  bool credentials_bad = false;  // the account's credentials are refused
  int auth_refusals = 0;         // requests refused for bad credentials
  std::function<void(const std::string& instance)> during_call;  // a person, mid-call
  int calls = 0;
  std::function<void(const std::string&)> trace;  // one line per call, for --verbose

  cloud::Outcome dcs_reset(const cloud::InstanceRef& r, const Secret& pw, bool free) override;
  cloud::Outcome dcs_change(const cloud::InstanceRef& r, const Secret& old_pw,
                            const Secret& pw) override;
  cloud::Outcome ddm_reset(const cloud::InstanceRef& r, const std::string& user,
                           const Secret& pw) override;
  cloud::Outcome dms_reset(const cloud::InstanceRef& r, cloud::DmsEngine,
                           const Secret& pw) override;

 private:
  // Runs a call: faults first, then `apply` (which answers as the service would).
  cloud::Outcome call(const std::string& id, const std::function<cloud::Outcome(Instance&)>& apply);

  const Clock& clock_;
  std::function<Fault()> next_fault_;
};

cloud::Outcome answer(cloud::OutcomeKind kind, std::string code = "");

}  // namespace rotor::dst
