#pragma once
// An in-memory cloud for controller tests: instances with passwords, and scripted answers.
#include <deque>
#include <map>
#include <mutex>

#include "cloud/password_api.hpp"

namespace rotor::testing {

class FakeCloud final : public cloud::PasswordApi {
 public:
  enum class Script {
    kApply,             // apply and answer Applied
    kApplyThenLose,     // apply, but answer Unknown (the connection dropped)
    kUnknown,           // do nothing, answer Unknown
    kResetUnsupported,  // DCS.4839 (reset only)
    kLocked,            // answer Locked for 3 minutes
    kRejected,          // answer Rejected
  };

  std::map<std::string, std::string> passwords;  // instance id -> password ("" = free)
  std::deque<Script> script;                     // consumed one per call; then kApply
  bool reset_unsupported = false;                // every reset answers DCS.4839
  int calls = 0;
  std::vector<std::string> call_log;  // "reset:inst", "change:inst", ...

  cloud::Outcome dcs_reset(const cloud::InstanceRef& r, const Secret& pw, bool free) override {
    if (reset_unsupported)
      return record("reset", r, outcome(cloud::OutcomeKind::kResetUnsupported));
    return apply("reset", r, free ? "" : pw.reveal());
  }
  cloud::Outcome dcs_change(const cloud::InstanceRef& r, const Secret& old_pw,
                            const Secret& pw) override {
    std::lock_guard lock(mu_);
    if (passwords[r.instance_id] != old_pw.reveal()) {
      ++calls;
      call_log.push_back("change:" + r.instance_id);
      return outcome(cloud::OutcomeKind::kWrongOldPassword);
    }
    return apply_locked("change", r, pw.reveal());
  }
  cloud::Outcome ddm_reset(const cloud::InstanceRef& r, const std::string&,
                           const Secret& pw) override {
    return apply("ddm", r, pw.reveal());
  }
  cloud::Outcome dms_reset(const cloud::InstanceRef& r, cloud::DmsEngine,
                           const Secret& pw) override {
    return apply("dms", r, pw.reveal());
  }

  static cloud::Outcome outcome(cloud::OutcomeKind kind) {
    cloud::Outcome o;
    o.kind = kind;
    if (kind == cloud::OutcomeKind::kLocked) o.lock_left = std::chrono::minutes(3);
    if (kind == cloud::OutcomeKind::kResetUnsupported) o.code = "DCS.4839";
    return o;
  }

 private:
  cloud::Outcome record(const char* what, const cloud::InstanceRef& r, cloud::Outcome o) {
    std::lock_guard lock(mu_);
    ++calls;
    call_log.push_back(std::string(what) + ":" + r.instance_id);
    return o;
  }
  cloud::Outcome apply(const char* what, const cloud::InstanceRef& r, const std::string& pw) {
    std::lock_guard lock(mu_);
    return apply_locked(what, r, pw);
  }
  cloud::Outcome apply_locked(const char* what, const cloud::InstanceRef& r,
                              const std::string& pw) {
    ++calls;
    call_log.push_back(std::string(what) + ":" + r.instance_id);
    Script s = Script::kApply;
    if (!script.empty()) {
      s = script.front();
      script.pop_front();
    }
    switch (s) {
      case Script::kApply:
        passwords[r.instance_id] = pw;
        return outcome(cloud::OutcomeKind::kApplied);
      case Script::kApplyThenLose:
        passwords[r.instance_id] = pw;
        return outcome(cloud::OutcomeKind::kUnknown);
      case Script::kUnknown:
        return outcome(cloud::OutcomeKind::kUnknown);
      case Script::kResetUnsupported:
        return outcome(cloud::OutcomeKind::kResetUnsupported);
      case Script::kLocked:
        return outcome(cloud::OutcomeKind::kLocked);
      case Script::kRejected:
        return outcome(cloud::OutcomeKind::kRejected);
    }
    return outcome(cloud::OutcomeKind::kUnknown);
  }
  std::mutex mu_;
};

}  // namespace rotor::testing
