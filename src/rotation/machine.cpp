#include "rotation/machine.hpp"

#include <array>

namespace rotor::rotation {
namespace {

struct Row {
  Phase phase;
  Event event;
  Action action;
  Phase next;
};

using P = Phase;
using E = Event;
using A = Action;

// The whole state machine. Read a row as: in `phase`, on `event`, do `action`, then be in
// `next`. Pairs not listed cannot happen.
constexpr std::array kTable{
    // No rotation in flight.
    Row{P::kIdle, E::kDue, A::kGenerate, P::kPrepared},
    Row{P::kIdle, E::kDuePasswordFree, A::kSendPasswordFree, P::kIdle},
    Row{P::kIdle, E::kAdopt, A::kAdopt, P::kIdle},
    Row{P::kIdle, E::kNotDue, A::kWait, P::kIdle},
    Row{P::kIdle, E::kSuspended, A::kWait, P::kIdle},
    Row{P::kIdle, E::kLocked, A::kWait, P::kIdle},
    Row{P::kIdle, E::kBlocked, A::kWait, P::kIdle},
    Row{P::kIdle, E::kNeedsCurrent, A::kBlock, P::kIdle},
    // ... answers to a password-free reset (nothing pending, nothing to lose).
    Row{P::kIdle, E::kApplied, A::kFinalize, P::kIdle},
    Row{P::kIdle, E::kUnknown, A::kReport, P::kIdle},
    Row{P::kIdle, E::kNotNow, A::kReport, P::kIdle},
    Row{P::kIdle, E::kLockedAnswer, A::kReport, P::kIdle},
    Row{P::kIdle, E::kAuthFailed, A::kReport, P::kIdle},
    Row{P::kIdle, E::kRejected, A::kReport, P::kIdle},
    Row{P::kIdle, E::kResetUnsupported, A::kBlock, P::kIdle},

    // Pending saved; this process is about to send it (or sent it and has the answer).
    Row{P::kPrepared, E::kResumed, A::kSave, P::kUnconfirmed},
    Row{P::kPrepared, E::kReady, A::kSend, P::kPrepared},
    Row{P::kPrepared, E::kCommitFound, A::kCommit, P::kApplied},
    Row{P::kPrepared, E::kLocked, A::kSave, P::kHeld},
    Row{P::kPrepared, E::kNeedsCurrent, A::kDropAndBlock, P::kIdle},
    Row{P::kPrepared, E::kLastAttempt, A::kDropAndBlock, P::kIdle},
    Row{P::kPrepared, E::kApplied, A::kCommit, P::kApplied},
    Row{P::kPrepared, E::kUnknown, A::kSave, P::kUnconfirmed},
    Row{P::kPrepared, E::kNotNow, A::kSave, P::kHeld},
    Row{P::kPrepared, E::kLockedAnswer, A::kSave, P::kHeld},
    Row{P::kPrepared, E::kAuthFailed, A::kSave, P::kHeld},
    Row{P::kPrepared, E::kRejected, A::kDrop, P::kIdle},
    Row{P::kPrepared, E::kWrongOldPassword, A::kDropAndBlock, P::kIdle},
    Row{P::kPrepared, E::kResetUnsupported, A::kDropAndBlock, P::kIdle},
    Row{P::kPrepared, E::kResetUnsupportedTryChange, A::kSwitchToChange, P::kPrepared},

    // Pending saved, never applied so far: a definite refusal may drop it.
    Row{P::kHeld, E::kReady, A::kSend, P::kPrepared},
    Row{P::kHeld, E::kCommitFound, A::kCommit, P::kApplied},
    Row{P::kHeld, E::kLocked, A::kWait, P::kHeld},
    Row{P::kHeld, E::kNeedsCurrent, A::kDropAndBlock, P::kIdle},
    Row{P::kHeld, E::kNoBudget, A::kDropAndBlock, P::kIdle},
    Row{P::kHeld, E::kLastAttempt, A::kDropAndBlock, P::kIdle},

    // The cloud may hold the pending password: it is kept until the cloud confirms it.
    Row{P::kUnconfirmed, E::kReady, A::kSend, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kCommitFound, A::kCommit, P::kApplied},
    Row{P::kUnconfirmed, E::kLocked, A::kWait, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kBlocked, A::kWait, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kNeedsCurrent, A::kBlock, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kNoBudget, A::kBlock, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kLastAttempt, A::kBlock, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kApplied, A::kCommit, P::kApplied},
    Row{P::kUnconfirmed, E::kWrongOldAfterLost, A::kCommit, P::kApplied},
    Row{P::kUnconfirmed, E::kUnknown, A::kSave, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kNotNow, A::kSave, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kLockedAnswer, A::kSave, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kAuthFailed, A::kSave, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kRejected, A::kSave, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kWrongOldPassword, A::kBlock, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kResetUnsupported, A::kBlock, P::kUnconfirmed},
    Row{P::kUnconfirmed, E::kResetUnsupportedTryChange, A::kSwitchToChange, P::kUnconfirmed},

    // The cloud took it: only the write is left, whatever happens (never sent again).
    Row{P::kApplied, E::kCommitLeft, A::kCommit, P::kApplied},
    Row{P::kApplied, E::kCommitFound, A::kCommit, P::kApplied},
    Row{P::kApplied, E::kCommitted, A::kFinalize, P::kIdle},
    Row{P::kApplied, E::kCommitFailed, A::kSave, P::kApplied},
    Row{P::kApplied, E::kSecretChanged, A::kBlock, P::kApplied},
    Row{P::kApplied, E::kBlocked, A::kWait, P::kApplied},
    Row{P::kApplied, E::kDiscardPending, A::kDrop, P::kIdle},
};

}  // namespace

std::optional<Transition> transition(Phase phase, Event event) {
  for (const Row& r : kTable) {
    if (r.phase == phase && r.event == event) return Transition{r.action, r.next};
  }
  return std::nullopt;
}

const char* to_string(Event e) {
  switch (e) {
    case E::kResumed:
      return "Resumed";
    case E::kCommitFound:
      return "CommitFound";
    case E::kCommitLeft:
      return "CommitLeft";
    case E::kDue:
      return "Due";
    case E::kDuePasswordFree:
      return "DuePasswordFree";
    case E::kAdopt:
      return "Adopt";
    case E::kNotDue:
      return "NotDue";
    case E::kSuspended:
      return "Suspended";
    case E::kLocked:
      return "Locked";
    case E::kBlocked:
      return "Blocked";
    case E::kNeedsCurrent:
      return "NeedsCurrent";
    case E::kNoBudget:
      return "NoBudget";
    case E::kLastAttempt:
      return "LastAttempt";
    case E::kReady:
      return "Ready";
    case E::kApplied:
      return "Applied";
    case E::kUnknown:
      return "Unknown";
    case E::kNotNow:
      return "NotNow";
    case E::kLockedAnswer:
      return "LockedAnswer";
    case E::kAuthFailed:
      return "AuthFailed";
    case E::kRejected:
      return "Rejected";
    case E::kWrongOldPassword:
      return "WrongOldPassword";
    case E::kWrongOldAfterLost:
      return "WrongOldAfterLost";
    case E::kResetUnsupported:
      return "ResetUnsupported";
    case E::kResetUnsupportedTryChange:
      return "ResetUnsupportedTryChange";
    case E::kCommitted:
      return "Committed";
    case E::kCommitFailed:
      return "CommitFailed";
    case E::kSecretChanged:
      return "SecretChanged";
    case E::kDiscardPending:
      return "DiscardPending";
  }
  return "?";
}

const char* to_string(Action a) {
  switch (a) {
    case A::kWait:
      return "Wait";
    case A::kGenerate:
      return "Generate";
    case A::kSend:
      return "Send";
    case A::kSendPasswordFree:
      return "SendPasswordFree";
    case A::kSave:
      return "Save";
    case A::kCommit:
      return "Commit";
    case A::kFinalize:
      return "Finalize";
    case A::kDrop:
      return "Drop";
    case A::kDropAndBlock:
      return "DropAndBlock";
    case A::kBlock:
      return "Block";
    case A::kSwitchToChange:
      return "SwitchToChange";
    case A::kAdopt:
      return "Adopt";
    case A::kReport:
      return "Report";
  }
  return "?";
}

}  // namespace rotor::rotation
