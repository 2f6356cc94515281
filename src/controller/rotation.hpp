#pragma once
// The rotation state machine: from what it observes (the resource's spec and status, its
// Secret, the clock, a cloud answer) it decides what to do next. It does no I/O; the
// reconciler carries its decisions out and feeds the results back in.
//
// The one invariant: a password the cloud may have accepted is always in the Secret,
// either as the current password or as the pending one. Hence the order:
//   1. generate a password and write it into the Secret as pending (one write);
//   2. call the cloud with the pending password;
//   3. commit (one write): current := pending, previous := old current, pending removed;
//   4. status and an Event.
// A crash anywhere leaves either no pending (nothing sent) or a pending password that the
// next reconcile sends again (roll forward) before anything else.
#include <chrono>
#include <optional>
#include <string>

#include "cloud/outcome.hpp"
#include "util/clock.hpp"

namespace rotor::controller {

enum class ResourceKind { kDcsInstance, kDdmAccount, kDmsInstance };
enum class DcsMethod { kAuto, kReset, kChange };

// Which cloud call to make with the pending password.
enum class CallKind {
  kReset,              // DCS reset, DDM reset or DMS reset, by resource kind
  kResetPasswordFree,  // DCS reset to password-free access
  kChange,             // DCS change: old password from the Secret
};

struct Observation {
  TimePoint now;
  ResourceKind kind = ResourceKind::kDcsInstance;
  DcsMethod method = DcsMethod::kAuto;
  bool password_free = false;
  bool suspended = false;
  // The schedule's next rotation after the last one; nullopt when never rotated.
  std::optional<TimePoint> next_due;
  std::string rotate_now;                 // annotation rotor.dev/rotate-now ("" if absent)
  std::string last_rotate_now;            // status.lastRotateNowValue
  std::optional<TimePoint> locked_until;  // status.lockedUntil
  bool reset_unsupported = false;         // status: Auto learned DCS.4839
  // A wrong old password stopped rotation, and neither the spec, the Secret nor the
  // rotate-now annotation has changed since: wait for a person.
  bool blocked_by_wrong_password = false;
  // The Secret.
  bool secret_exists = false;
  bool has_current = false;  // holds a current password
  bool has_pending = false;  // holds a pending password
  bool pending_equals_current = false;
};

enum class Step {
  kIdle,           // nothing to do until `wake_at` (or until something changes)
  kCreatePending,  // generate a password and write it as pending (creating the Secret)
  kCallCloud,      // send the pending password with `call`
  kDropPending,    // remove a pending password that is already current (a commit finished)
};

struct Plan {
  Step step = Step::kIdle;
  CallKind call = CallKind::kReset;
  std::optional<TimePoint> wake_at;
  std::string reason;  // why, for logs and the Rotating condition
};

Plan decide(const Observation& o);

// What to do with an answer to a call made with the pending password.
enum class Next {
  kCommit,       // the cloud took it
  kTryChange,    // DCS Auto: reset unsupported; change now, same pending password
  kDropPending,  // definitely not applied: forget it; a new one is generated next time
  kKeepPending,  // maybe applied, or not applied for a passing reason: send it again later
};

struct Reaction {
  Next next = Next::kKeepPending;
  // Status to record.
  bool degraded = false;
  std::string reason;  // condition reason, e.g. "WrongOldPassword", "Locked", "CloudUnknown"
  std::optional<TimePoint> locked_until;
  bool learned_reset_unsupported = false;
  bool block_until_changed = false;  // wrong old password: no automatic retry
  // When to look again: a fixed time (lock expiry), or the queue's per-key backoff.
  std::optional<TimePoint> retry_at;
  bool retry_with_backoff = false;
  bool assumed_applied = false;  // committed on indirect evidence (see react())
};

// `roll_forward`: the pending password was already there when this reconcile began, so an
// earlier call may have applied it.
Reaction react(const Observation& o, CallKind call, const cloud::Outcome& outcome,
               bool roll_forward);

// Lock duration to assume when the cloud says "locked" without saying for how long: the
// documented lockout is 5 minutes.
inline constexpr auto kDefaultLock = std::chrono::minutes(5);

const char* to_string(Step s);
const char* to_string(CallKind c);

}  // namespace rotor::controller
