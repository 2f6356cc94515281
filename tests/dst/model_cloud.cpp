#include "model_cloud.hpp"

namespace rotor::dst {

using cloud::OutcomeKind;

cloud::Outcome answer(OutcomeKind kind, std::string code) {
  cloud::Outcome o;
  o.kind = kind;
  o.code = std::move(code);
  return o;
}

cloud::Outcome ModelCloud::call(const std::string& id,
                                const std::function<cloud::Outcome(Instance&)>& apply) {
  ++calls;
  const Fault fault = next_fault_();
  if (fault == Fault::kCrashBefore) throw Crash{};
  if (fault == Fault::kNotSent) return answer(OutcomeKind::kNotSent);
  if (credentials_bad) {
    ++auth_refusals;
    return answer(OutcomeKind::kAuthFailed, "APIG.0301");
  }
  if (during_call) during_call(id);
  auto it = instances.find(id);
  if (it == instances.end() || fault == Fault::kRejected)
    return answer(OutcomeKind::kRejected, "DCS.4019");
  switch (fault) {
    case Fault::kUnknownBefore:
      return answer(OutcomeKind::kUnknown);
    case Fault::kBusy:
      return answer(OutcomeKind::kBusy, "DCS.4049");
    case Fault::kThrottled:
      return answer(OutcomeKind::kThrottled, "APIG.0308");
    default:
      break;
  }
  cloud::Outcome o = apply(it->second);
  it->second.history.insert(it->second.password);
  if (trace)
    trace("cloud " + id + ": " + cloud::to_string(o.kind) +
          (fault == Fault::kNone
               ? ""
               : " (then fault " + std::to_string(static_cast<int>(fault)) + ")"));
  if (fault == Fault::kCrashAfter) throw Crash{};
  if (fault == Fault::kUnknownAfter) return answer(OutcomeKind::kUnknown);
  return o;
}

cloud::Outcome ModelCloud::dcs_reset(const cloud::InstanceRef& r, const Secret& pw, bool free) {
  return call(r.instance_id, [&](Instance& i) {
    if (i.reset_unsupported) return answer(OutcomeKind::kResetUnsupported, "DCS.4839");
    if (clock_.now() < i.locked_until) return answer(OutcomeKind::kLocked, "3");
    i.password = free ? "" : pw.reveal();
    return answer(OutcomeKind::kApplied, "1");
  });
}

cloud::Outcome ModelCloud::dcs_change(const cloud::InstanceRef& r, const Secret& old_pw,
                                      const Secret& pw) {
  const std::string id = r.instance_id;
  return call(id, [&](Instance& i) {
    if (clock_.now() < i.locked_until) return answer(OutcomeKind::kLocked, "locked");
    if (old_pw.reveal() != i.password) {
      wrong_attempts.push_back({id, old_pw.reveal(), person_epoch[id]});
      if (++i.wrong_in_a_row >= 5) {
        i.locked_until = clock_.now() + std::chrono::minutes(5);
        if (!i.lock_acknowledged) i.locked_by_wrong_attempts = true;
        i.lock_acknowledged = false;
        i.wrong_in_a_row = 0;
        return answer(OutcomeKind::kLocked, "locked");
      }
      cloud::Outcome o = answer(OutcomeKind::kWrongOldPassword, "passwordFailed");
      o.retry_times_left = 5 - i.wrong_in_a_row;
      return o;
    }
    i.wrong_in_a_row = 0;
    i.lock_acknowledged = false;
    if (pw.reveal() == i.password) return answer(OutcomeKind::kRejected, "failed");
    i.password = pw.reveal();
    return answer(OutcomeKind::kApplied, "success");
  });
}

cloud::Outcome ModelCloud::ddm_reset(const cloud::InstanceRef& r, const std::string&,
                                     const Secret& pw) {
  return call(r.instance_id, [&](Instance& i) {
    i.password = pw.reveal();
    return answer(OutcomeKind::kApplied);
  });
}

cloud::Outcome ModelCloud::dms_reset(const cloud::InstanceRef& r, cloud::DmsEngine,
                                     const Secret& pw) {
  return call(r.instance_id, [&](Instance& i) {
    i.password = pw.reveal();
    return answer(OutcomeKind::kApplied);
  });
}

}  // namespace rotor::dst
