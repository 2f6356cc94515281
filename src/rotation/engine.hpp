#pragma once
// One engine for every rotation, in the operator and in `rotor rotate`: it loads the record
// and the current password from a RotationStore, asks the table (machine.hpp) what each
// observation or cloud answer means, carries the action out, and reports what happened. It
// owns no thread and keeps nothing between passes except through the store (and RecordMemo
// for saves that failed), so a crash at any point resumes from what was saved.
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloud/password_api.hpp"
#include "password/policy.hpp"
#include "rotation/machine.hpp"
#include "rotation/record_memo.hpp"
#include "rotation/store.hpp"
#include "util/clock.hpp"
#include "util/random.hpp"

namespace rotor::rotation {

// What the resource (or the command line) asks for.
struct Intent {
  Target target;
  Method method = Method::kAuto;
  bool password_free = false;
  bool suspended = false;
  // Changes whenever a person asks again (spec generation, rotate-now value): a block
  // waits for it or for the password to change.
  std::string person_token;
  std::string rotate_now;  // the rotate-now request, "" when none
  // firstRotation AfterInterval: a password already in the Secret counts as rotated now.
  bool adopt_existing = false;
  // The next rotation after one at `last`; empty: always due (the command line).
  std::function<TimePoint(TimePoint last)> next_after;
  password::Policy policy;
};

// Something worth an Event: reason and message, never a secret.
struct Notice {
  bool warning = false;
  std::string reason;
  std::string message;
};

struct Report {
  RotationRecord record;  // after the pass
  bool rotated = false;   // a rotation completed
  // A rotation completed: when it began (its pending password was made; for a password-free
  // reset, this pass), for a duration metric.
  std::optional<TimePoint> rotation_started;
  Call call = Call::kReset;
  std::optional<cloud::Outcome> answer;  // the last cloud answer of the pass
  std::string reason;                    // condition reason, e.g. "Rotated", "WrongOldPassword"
  std::string message;                   // for status and logs
  bool healthy = true;                   // false: Degraded
  bool store_failed = false;             // a read or write of the store failed
  std::optional<TimePoint> wake_at;      // look again then
  bool backoff = false;                  // look again with the caller's backoff
  std::optional<TimePoint> next_rotation;
  std::vector<Notice> notices;
  std::vector<std::string> trace;  // "phase --event/action--> phase", for debug logs and tests
};

struct EngineDeps {
  cloud::PasswordApi& cloud;
  RotationStore& store;
  const Clock& clock;
  RandomSource& random;
  RecordMemo* memo = nullptr;  // optional
  std::string memo_key;
};

// One pass: as many steps as it takes to reach a wait (a rotation is a handful).
Report run_pass(const Intent& intent, EngineDeps deps);

// How many times a change may carry one old password before a person must look: twice when
// rotor itself saw the cloud take that password (a resend after a lost answer is then
// evidence), once otherwise.
inline constexpr int kChangeBudgetVerified = 2;
inline constexpr int kChangeBudgetUnverified = 1;

// DCS locks change and reset for 5 minutes after this many wrong old passwords in a row.
// Used only when the cloud's answer does not say how many are left.
inline constexpr int kDcsWrongAttemptsBeforeLock = 5;

}  // namespace rotor::rotation
