#include "controller/rotation.hpp"

namespace rotor::controller {
namespace {

using cloud::OutcomeKind;

// The call a rotation starts with, before any answer.
CallKind first_call(const Observation& o) {
  if (o.kind != ResourceKind::kDcsInstance) return CallKind::kReset;
  if (o.password_free && o.method != DcsMethod::kChange) return CallKind::kResetPasswordFree;
  if (o.method == DcsMethod::kChange) return CallKind::kChange;
  // Auto remembers DCS.4839 so that it does not ask for a reset that cannot work.
  if (o.method == DcsMethod::kAuto && o.reset_unsupported && o.has_current)
    return CallKind::kChange;
  return CallKind::kReset;
}

}  // namespace

Plan decide(const Observation& o) {
  Plan p;
  // A pending password comes first, whatever the schedule, lock or suspension say: it may
  // already be in force in the cloud.
  if (o.has_pending) {
    if (o.pending_equals_current) {
      p.step = Step::kDropPending;
      p.reason = "a commit finished; removing the pending copy";
      return p;
    }
    if (o.locked_until && *o.locked_until > o.now) {
      p.wake_at = o.locked_until;
      p.reason = "locked; the pending password is sent again when the lock ends";
      return p;
    }
    p.step = Step::kCallCloud;
    p.call = first_call(o);
    p.reason = "sending the pending password";
    return p;
  }
  if (o.suspended) {
    p.reason = "suspended";
    return p;
  }
  if (o.locked_until && *o.locked_until > o.now) {
    p.wake_at = o.locked_until;
    p.reason = "locked";
    return p;
  }
  const bool rotate_now = !o.rotate_now.empty() && o.rotate_now != o.last_rotate_now;
  if (o.blocked_by_wrong_password && !rotate_now) {
    p.reason = "the old password in the Secret is wrong; fix it or set rotor.dev/rotate-now";
    return p;
  }
  // A Secret without a password needs one now (unless the instance is password-free).
  const bool needs_first = !o.has_current && !o.password_free;
  const bool due = !o.next_due || *o.next_due <= o.now;
  if (!(needs_first || rotate_now || due)) {
    p.wake_at = o.next_due;
    p.reason = "waiting for the next rotation";
    return p;
  }
  // A change needs the current password; without one only a person can help.
  if (first_call(o) == CallKind::kChange && !o.has_current) {
    p.reason = "method Change needs the current password in the Secret";
    return p;
  }
  p.call = first_call(o);
  // Password-free resets carry no password, so there is nothing to keep pending.
  p.step = p.call == CallKind::kResetPasswordFree ? Step::kCallCloud : Step::kCreatePending;
  p.reason = rotate_now ? "rotate-now requested" : needs_first ? "no password yet" : "rotation due";
  return p;
}

Reaction react(const Observation& o, CallKind call, const cloud::Outcome& outcome,
               bool roll_forward) {
  Reaction r;
  r.reason = to_string(outcome.kind);
  switch (outcome.kind) {
    case OutcomeKind::kApplied:
      r.next = Next::kCommit;
      r.reason = "Rotated";
      return r;
    case OutcomeKind::kResetUnsupported:
      r.learned_reset_unsupported = true;
      if (o.method == DcsMethod::kAuto && call == CallKind::kReset && o.has_current) {
        r.next = Next::kTryChange;
        return r;
      }
      r.next = roll_forward ? Next::kKeepPending : Next::kDropPending;
      r.degraded = true;
      r.reason =
          o.method == DcsMethod::kAuto ? "ResetUnsupportedNoCurrentPassword" : "ResetUnsupported";
      r.block_until_changed = true;
      return r;
    case OutcomeKind::kWrongOldPassword:
      if (roll_forward && call == CallKind::kChange) {
        // The Secret's current password was right when the pending one was written; an
        // earlier change that answered "unknown" most likely applied the pending password.
        // Committing it costs nothing if true; retrying would walk towards a lockout.
        r.next = Next::kCommit;
        r.assumed_applied = true;
        r.reason = "AssumedApplied";
        return r;
      }
      r.next = Next::kDropPending;
      r.degraded = true;
      r.reason = "WrongOldPassword";
      r.block_until_changed = true;
      return r;
    case OutcomeKind::kLocked:
      r.next = roll_forward ? Next::kKeepPending : Next::kDropPending;
      r.reason = "Locked";
      r.locked_until = o.now + (outcome.lock_left && outcome.lock_left->count() > 0
                                    ? std::chrono::duration_cast<Duration>(*outcome.lock_left)
                                    : std::chrono::duration_cast<Duration>(kDefaultLock));
      r.retry_at = r.locked_until;
      return r;
    case OutcomeKind::kRejected:
      // Not applied. A DCS change rejected after an unknown attempt ("failed": the new
      // password equals the old) is the same evidence as a wrong old password.
      if (roll_forward && call == CallKind::kChange) {
        r.next = Next::kCommit;
        r.assumed_applied = true;
        r.reason = "AssumedApplied";
        return r;
      }
      r.next = roll_forward ? Next::kKeepPending : Next::kDropPending;
      r.degraded = true;
      r.reason = "Rejected";
      r.retry_with_backoff = true;
      return r;
    case OutcomeKind::kBusy:
    case OutcomeKind::kThrottled:
      // Not applied now; the same password is sent again (a busy "changing password"
      // state may be our own earlier call still running).
      r.next = Next::kKeepPending;
      r.reason = outcome.kind == OutcomeKind::kBusy ? "InstanceBusy" : "Throttled";
      r.retry_with_backoff = true;
      return r;
    case OutcomeKind::kAuthFailed:
      r.next = Next::kKeepPending;
      r.degraded = true;
      r.reason = "AuthenticationFailed";
      r.retry_with_backoff = true;
      return r;
    case OutcomeKind::kUnknown:
      r.next = Next::kKeepPending;
      r.degraded = true;
      r.reason = "OutcomeUnknown";
      r.retry_with_backoff = true;
      return r;
  }
  return r;
}

const char* to_string(Step s) {
  switch (s) {
    case Step::kIdle:
      return "Idle";
    case Step::kCreatePending:
      return "CreatePending";
    case Step::kCallCloud:
      return "CallCloud";
    case Step::kDropPending:
      return "DropPending";
  }
  return "Idle";
}

const char* to_string(CallKind c) {
  switch (c) {
    case CallKind::kReset:
      return "reset";
    case CallKind::kResetPasswordFree:
      return "reset-password-free";
    case CallKind::kChange:
      return "change";
  }
  return "reset";
}

}  // namespace rotor::controller
