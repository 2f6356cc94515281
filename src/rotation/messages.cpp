#include "rotation/messages.hpp"

namespace rotor::rotation {

std::string describe_answer(const cloud::Outcome& o) {
  std::string s = to_string(o.kind);
  if (!o.code.empty()) s += " " + o.code;
  return s;
}

const char* answer_reason(cloud::OutcomeKind k) {
  switch (k) {
    case cloud::OutcomeKind::kApplied:
      return "Rotated";
    case cloud::OutcomeKind::kRejected:
      return "Rejected";
    case cloud::OutcomeKind::kResetUnsupported:
      return "ResetUnsupported";
    case cloud::OutcomeKind::kWrongOldPassword:
      return "WrongOldPassword";
    case cloud::OutcomeKind::kLocked:
      return "Locked";
    case cloud::OutcomeKind::kBusy:
      return "InstanceBusy";
    case cloud::OutcomeKind::kThrottled:
      return "Throttled";
    case cloud::OutcomeKind::kAuthFailed:
      return "AuthenticationFailed";
    case cloud::OutcomeKind::kUnknown:
      return "OutcomeUnknown";
    default:
      return "NotSent";
  }
}

std::string block_message(const std::string& reason) {
  if (reason == "WrongOldPassword")
    return "the cloud refused the old password in the Secret; rotor will not try it again: put "
           "the right password in the Secret, or set rotor.dev/rotate-now to try once more";
  if (reason == "NeedsConfirmation")
    return "a change whose answer was lost may have applied the pending password, and sending "
           "it again could spend a wrong-password attempt; check which password opens the "
           "instance, then fix the Secret, switch to method Reset, or set rotor.dev/rotate-now";
  if (reason == "SecretChanged")
    return "the cloud took the pending password, but someone wrote another password into the "
           "Secret meanwhile; rotor does not overwrite it: put the password that opens the "
           "instance into the Secret (the pending one is in the rotation record), or set "
           "rotor.dev/rotate-now to keep the Secret as it is and drop the pending password";
  if (reason == "LockedOnChange")
    return "the cloud answered \"locked\" to a change with the old password in the Secret; that "
           "password may be what tripped the lock, so rotor does not send it again on its own: "
           "check it, then fix the Secret or set rotor.dev/rotate-now";
  if (reason == "LastAttempt")
    return "one more wrong old password locks the instance for 5 minutes, and rotor has not seen "
           "the password in the Secret work; rotor will not spend that attempt on its own: check "
           "the password, then set rotor.dev/rotate-now to send it, or switch to method Reset";
  if (reason == "NoCurrentPassword")
    return "method Change needs the current password in the Secret";
  if (reason == "ResetUnsupported")
    return "the instance does not support password reset (DCS.4839); use method Change with the "
           "current password in the Secret";
  return "waiting for a person: fix the Secret or set rotor.dev/rotate-now";
}

}  // namespace rotor::rotation
