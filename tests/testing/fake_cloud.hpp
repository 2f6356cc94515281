#pragma once
#include <algorithm>
// An in-memory cloud for controller tests: instances with passwords, and scripted answers.
#include <deque>
#include <functional>
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
    kBusy,              // answer Busy (DCS.4049-like), nothing applied
    kThrottled,         // answer Throttled (429), nothing applied
    kAuthFailed,        // answer AuthFailed (401), nothing applied
    kCrash,             // throw before anything is applied, as if the process died mid-call
    kApplyThenCrash,    // apply, then throw: the process died before reading the answer
  };
  // Thrown by kCrash / kApplyThenCrash; tests catch it where the process would have died.
  struct Crash {};

  std::map<std::string, std::string> passwords;  // instance id -> password ("" = free)
  std::deque<Script> script;                     // consumed one per call; then kApply
  bool reset_unsupported = false;                // every reset answers DCS.4839
  int calls = 0;
  std::vector<std::string> call_log;     // "reset:inst", "change:inst", ...
  std::map<std::string, int> wrong_old;  // instance id -> wrong-old-password answers
  bool report_retry_times_left = true;   // as DCS does; false: rotor must count itself
  std::function<void()> on_call;         // runs inside every call (e.g. delete a Secret)

  cloud::Outcome dcs_reset(const cloud::InstanceRef& r, const Secret& pw, bool free) override {
    if (reset_unsupported)
      return record("reset", r, outcome(cloud::OutcomeKind::kResetUnsupported));
    return apply("reset", r, free ? "" : pw.reveal());
  }
  cloud::Outcome dcs_change(const cloud::InstanceRef& r, const Secret& old_pw,
                            const Secret& pw) override {
    std::lock_guard lock(mu_);
    // Answers that do not reach the password check come first, as in the real service.
    if (!script.empty() && script.front() != Script::kApply &&
        script.front() != Script::kApplyThenLose && script.front() != Script::kApplyThenCrash)
      return apply_locked("change", r, pw.reveal());
    if (passwords[r.instance_id] != old_pw.reveal()) {
      ++calls;
      ++wrong_old[r.instance_id];
      call_log.push_back("change:" + r.instance_id);
      if (!script.empty()) script.pop_front();
      auto o = outcome(cloud::OutcomeKind::kWrongOldPassword);
      if (report_retry_times_left) o.retry_times_left = std::max(0, 5 - wrong_old[r.instance_id]);
      return o;
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
    if (on_call) on_call();
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
      case Script::kBusy:
        return outcome(cloud::OutcomeKind::kBusy);
      case Script::kThrottled:
        return outcome(cloud::OutcomeKind::kThrottled);
      case Script::kAuthFailed:
        return outcome(cloud::OutcomeKind::kAuthFailed);
      case Script::kCrash:
        throw Crash{};
      case Script::kApplyThenCrash:
        passwords[r.instance_id] = pw;
        throw Crash{};
    }
    return outcome(cloud::OutcomeKind::kUnknown);
  }
  std::mutex mu_;
};

}  // namespace rotor::testing
