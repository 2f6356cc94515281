// The rotation state machine, decision by decision, without I/O.
#include "controller/rotation.hpp"

#include <gtest/gtest.h>

namespace rotor::controller {
namespace {

using cloud::Outcome;
using cloud::OutcomeKind;
using std::chrono::hours;
using std::chrono::minutes;

const TimePoint kNow = std::chrono::system_clock::from_time_t(1'900'000'000);

Observation steady() {
  Observation o;
  o.now = kNow;
  o.secret_exists = true;
  o.has_current = true;
  o.next_due = kNow + hours(1);
  return o;
}

Outcome answer(OutcomeKind kind) {
  Outcome out;
  out.kind = kind;
  return out;
}

TEST(Decide, FirstRotationWhenTheSecretHasNoPassword) {
  Observation o;
  o.now = kNow;
  const Plan p = decide(o);
  EXPECT_EQ(p.step, Step::kCreatePending);
  EXPECT_EQ(p.call, CallKind::kReset);
}

TEST(Decide, WaitsUntilTheNextRotationThenRotates) {
  Observation o = steady();
  Plan p = decide(o);
  EXPECT_EQ(p.step, Step::kIdle);
  EXPECT_EQ(p.wake_at, kNow + hours(1));
  o.now = kNow + hours(1);
  EXPECT_EQ(decide(o).step, Step::kCreatePending);
}

TEST(Decide, RotateNowOncePerDistinctValue) {
  Observation o = steady();
  o.rotate_now = "a";
  EXPECT_EQ(decide(o).step, Step::kCreatePending);
  o.last_rotate_now = "a";
  EXPECT_EQ(decide(o).step, Step::kIdle);
  o.rotate_now = "b";
  EXPECT_EQ(decide(o).step, Step::kCreatePending);
}

TEST(Decide, PendingIsRolledForwardBeforeAnythingElse) {
  Observation o = steady();
  o.has_pending = true;
  o.suspended = true;                  // even when suspended
  o.blocked_by_wrong_password = true;  // or blocked
  const Plan p = decide(o);
  EXPECT_EQ(p.step, Step::kCallCloud);
  o.pending_equals_current = true;
  EXPECT_EQ(decide(o).step, Step::kDropPending);
}

TEST(Decide, PendingWaitsOutALock) {
  Observation o = steady();
  o.has_pending = true;
  o.locked_until = kNow + minutes(3);
  const Plan p = decide(o);
  EXPECT_EQ(p.step, Step::kIdle);
  EXPECT_EQ(p.wake_at, kNow + minutes(3));
}

TEST(Decide, SuspendedLockedAndBlockedDoNothing) {
  Observation o = steady();
  o.next_due = kNow - hours(1);
  o.suspended = true;
  EXPECT_EQ(decide(o).step, Step::kIdle);
  o.suspended = false;
  o.locked_until = kNow + minutes(2);
  EXPECT_EQ(decide(o).wake_at, kNow + minutes(2));
  o.locked_until = kNow - minutes(1);
  o.blocked_by_wrong_password = true;
  EXPECT_EQ(decide(o).step, Step::kIdle);
  EXPECT_FALSE(decide(o).wake_at);
  o.rotate_now = "retry";  // a person asks again
  EXPECT_EQ(decide(o).step, Step::kCreatePending);
}

TEST(Decide, MethodsPickTheirCall) {
  Observation o = steady();
  o.next_due = kNow;
  o.method = DcsMethod::kChange;
  EXPECT_EQ(decide(o).call, CallKind::kChange);
  o.method = DcsMethod::kAuto;
  o.reset_unsupported = true;
  EXPECT_EQ(decide(o).call, CallKind::kChange);
  o.method = DcsMethod::kReset;
  EXPECT_EQ(decide(o).call, CallKind::kReset);
  o.kind = ResourceKind::kDmsInstance;
  o.method = DcsMethod::kChange;  // ignored outside DCS
  EXPECT_EQ(decide(o).call, CallKind::kReset);
}

TEST(Decide, ChangeWithoutACurrentPasswordWaitsForAPerson) {
  Observation o;
  o.now = kNow;
  o.method = DcsMethod::kChange;
  const Plan p = decide(o);
  EXPECT_EQ(p.step, Step::kIdle);
  EXPECT_NE(p.reason.find("current password"), std::string::npos);
}

TEST(Decide, PasswordFreeCallsWithoutAPendingPassword) {
  Observation o;
  o.now = kNow;
  o.password_free = true;
  const Plan p = decide(o);
  EXPECT_EQ(p.step, Step::kCallCloud);
  EXPECT_EQ(p.call, CallKind::kResetPasswordFree);
  o.next_due = kNow + hours(2);  // done once; waits for the schedule after that
  EXPECT_EQ(decide(o).step, Step::kIdle);
}

TEST(React, AppliedCommits) {
  EXPECT_EQ(react(steady(), CallKind::kReset, answer(OutcomeKind::kApplied), false).next,
            Next::kCommit);
}

TEST(React, AutoFallsBackToChangeOnResetUnsupported) {
  const Reaction r =
      react(steady(), CallKind::kReset, answer(OutcomeKind::kResetUnsupported), false);
  EXPECT_EQ(r.next, Next::kTryChange);
  EXPECT_TRUE(r.learned_reset_unsupported);
  Observation reset_only = steady();
  reset_only.method = DcsMethod::kReset;
  const Reaction r2 =
      react(reset_only, CallKind::kReset, answer(OutcomeKind::kResetUnsupported), false);
  EXPECT_EQ(r2.next, Next::kDropPending);
  EXPECT_TRUE(r2.degraded);
  EXPECT_TRUE(r2.block_until_changed);
}

TEST(React, WrongOldPasswordIsNeverRetried) {
  const Reaction r =
      react(steady(), CallKind::kChange, answer(OutcomeKind::kWrongOldPassword), false);
  EXPECT_EQ(r.next, Next::kDropPending);
  EXPECT_TRUE(r.degraded);
  EXPECT_TRUE(r.block_until_changed);
  EXPECT_FALSE(r.retry_with_backoff);
  EXPECT_FALSE(r.retry_at);
}

TEST(React, WrongOldPasswordAfterAnUnknownChangeMeansItWasApplied) {
  const Reaction r =
      react(steady(), CallKind::kChange, answer(OutcomeKind::kWrongOldPassword), true);
  EXPECT_EQ(r.next, Next::kCommit);
  EXPECT_TRUE(r.assumed_applied);
}

TEST(React, LockedWaitsForTheLock) {
  Outcome locked = answer(OutcomeKind::kLocked);
  locked.lock_left = minutes(4);
  const Reaction r = react(steady(), CallKind::kChange, locked, false);
  EXPECT_EQ(r.locked_until, kNow + minutes(4));
  EXPECT_EQ(r.retry_at, kNow + minutes(4));
  EXPECT_EQ(r.next, Next::kDropPending);
  const Reaction unspecified =
      react(steady(), CallKind::kReset, answer(OutcomeKind::kLocked), true);
  EXPECT_EQ(unspecified.locked_until, kNow + kDefaultLock);
  EXPECT_EQ(unspecified.next, Next::kKeepPending);
}

TEST(React, UnknownBusyThrottledAndAuthKeepThePendingPassword) {
  for (auto kind : {OutcomeKind::kUnknown, OutcomeKind::kBusy, OutcomeKind::kThrottled,
                    OutcomeKind::kAuthFailed}) {
    const Reaction r = react(steady(), CallKind::kReset, answer(kind), false);
    EXPECT_EQ(r.next, Next::kKeepPending) << cloud::to_string(kind);
    EXPECT_TRUE(r.retry_with_backoff);
  }
}

TEST(React, RejectedDropsAFreshPendingButKeepsARolledForwardOne) {
  EXPECT_EQ(react(steady(), CallKind::kReset, answer(OutcomeKind::kRejected), false).next,
            Next::kDropPending);
  EXPECT_EQ(react(steady(), CallKind::kReset, answer(OutcomeKind::kRejected), true).next,
            Next::kKeepPending);
  EXPECT_EQ(react(steady(), CallKind::kChange, answer(OutcomeKind::kRejected), true).next,
            Next::kCommit);
}

}  // namespace
}  // namespace rotor::controller
