#pragma once
// The rotation state machine as one table: (phase, event) -> (action, next phase). It does
// no I/O and decides nothing by itself: the engine (engine.hpp) turns what it observes and
// what the cloud answers into an Event, looks the pair up here, and carries the action out.
// Every promise rotor makes can be read off the rows:
//   * a pending password the cloud may hold (Unconfirmed, Applied) is never dropped: no row
//     from those phases has the action Drop;
//   * nothing is committed unless the cloud said Applied, or a change whose answer was lost
//     is followed by "wrong old password" for that same old password (WrongOldAfterLost);
//   * a wrong old password is never sent twice on its own: it blocks until a person acts.
#include <optional>

#include "rotation/record.hpp"

namespace rotor::rotation {

enum class Event {
  // Observed at the start of a step.
  kResumed,          // Prepared found in the store: a crash came between save and answer
  kCommitFound,      // the current password is the pending one: the commit (may have) happened
  kCommitLeft,       // Applied found: only the commit write is left
  kDue,              // a rotation is due (schedule, rotate-now, or no password yet)
  kDuePasswordFree,  // a reset to password-free access is due
  kAdopt,            // firstRotation AfterInterval: take the existing password as rotated now
  kNotDue,
  kSuspended,
  kLocked,        // the cloud said locked, until a known time
  kBlocked,       // a block whose key has not changed: wait for a person
  kNeedsCurrent,  // a change is needed and the Secret has no current password
  kNoBudget,      // this old password was sent with a change as often as is safe
  kLastAttempt,   // one wrong old password more locks the instance, and this one may be wrong
  kReady,         // a pending password and nothing in the way: send it
  // The cloud's answer to a send.
  kApplied,
  kUnknown,  // timeout, connection lost, 5xx, an answer we cannot read: maybe applied
  kNotNow,   // busy, throttled, or not sent at all (IAM token, transport setup)
  kLockedAnswer,
  kAuthFailed,
  kRejected,
  kWrongOldPassword,
  kWrongOldAfterLost,  // a change with the old password of a change whose answer was lost
  kResetUnsupported,
  kResetUnsupportedTryChange,  // Auto with a current password: change instead
  // The commit write.
  kCommitted,
  kCommitFailed,
  kSecretChanged,   // someone wrote the Secret after the send: rotor does not overwrite it
  kDiscardPending,  // ... and a person then acted: the Secret holds what they want
};

enum class Action {
  kWait,      // nothing to do now; the report says until when and why
  kGenerate,  // make a password, save it as pending (Prepared)
  kSend,      // save the send count (and Prepared), then call the cloud
  kSendPasswordFree,
  kSave,            // save the record as it now is
  kCommit,          // write the pending password into the Secret as current
  kFinalize,        // the rotation is complete: save the record as Idle
  kDrop,            // definitely not applied: forget the pending password
  kDropAndBlock,    // as kDrop, and wait until a person changes the password or asks again
  kBlock,           // keep the pending password and wait until a person acts
  kSwitchToChange,  // remember reset is unsupported, send the same password with change
  kAdopt,           // save the existing password as rotated now
  kReport,          // a password-free reset did not complete: report and retry later
};

struct Transition {
  Action action;
  Phase next;
};

// The row for (phase, event); nullopt for a pair that cannot happen (an engine bug).
std::optional<Transition> transition(Phase phase, Event event);

const char* to_string(Event e);
const char* to_string(Action a);

}  // namespace rotor::rotation
