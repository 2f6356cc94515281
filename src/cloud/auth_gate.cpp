#include "cloud/auth_gate.hpp"

namespace rotor::cloud {
namespace {

// An answer from the service that is not a refusal proves the credentials. IAM's throttling
// or failure (kNotSent) and a lost connection (no HTTP status) prove nothing.
bool proves_credentials(const Outcome& o) {
  return o.http_status != 0 && o.kind != OutcomeKind::kAuthFailed &&
         o.kind != OutcomeKind::kNotSent && o.kind != OutcomeKind::kThrottled;
}

}  // namespace

AuthGate::AuthGate(std::shared_ptr<PasswordApi> inner, std::string account_id, const Clock& clock,
                   Duration cooldown)
    : inner_(std::move(inner)),
      account_id_(std::move(account_id)),
      clock_(clock),
      cooldown_(cooldown) {}

std::string AuthGate::not_retried_until_locked() const {
  return "not retried until the credentials Secret (or the account) changes, or until " +
         format_rfc3339(*refused_at_ + cooldown_) + " (cool-down)";
}

std::optional<Outcome> AuthGate::closed_locked() const {
  if (!refused_at_ || clock_.now() >= *refused_at_ + cooldown_) return std::nullopt;
  Outcome out;
  out.kind = OutcomeKind::kAuthFailed;
  out.message = "the credentials of " + account_id_ + " were refused at " +
                format_rfc3339(*refused_at_) + "; " + not_retried_until_locked() +
                ". The refusal: " + refusal_;
  return out;
}

void AuthGate::record(Outcome& outcome) {
  std::lock_guard lock(mu_);
  if (outcome.kind == OutcomeKind::kAuthFailed) {
    accepted_ = false;
    refused_at_ = clock_.now();
    refusal_ = outcome.describe();
    outcome.message += (outcome.message.empty() ? "" : "; ") + not_retried_until_locked();
  } else if (proves_credentials(outcome)) {
    accepted_ = true;
    refused_at_.reset();
  }
}

template <class Call>
Outcome AuthGate::guarded(Call&& call) {
  bool trial = false;
  {
    std::lock_guard lock(mu_);
    if (auto closed = closed_locked()) return *closed;
    trial = !accepted_;
  }
  std::unique_lock<std::mutex> trial_lock;
  if (trial) {
    // Credentials not accepted yet: one call at a time. Look again after waiting: the call
    // before may have been refused meanwhile.
    trial_lock = std::unique_lock(trial_mu_);
    std::lock_guard lock(mu_);
    if (auto closed = closed_locked()) return *closed;
  }
  Outcome outcome = call();
  record(outcome);
  return outcome;
}

Outcome AuthGate::dcs_reset(const InstanceRef& ref, const Secret& new_password,
                            bool password_free) {
  return guarded([&] { return inner_->dcs_reset(ref, new_password, password_free); });
}

Outcome AuthGate::dcs_change(const InstanceRef& ref, const Secret& old_password,
                             const Secret& new_password) {
  return guarded([&] { return inner_->dcs_change(ref, old_password, new_password); });
}

Outcome AuthGate::ddm_reset(const InstanceRef& ref, const std::string& username,
                            const Secret& new_password) {
  return guarded([&] { return inner_->ddm_reset(ref, username, new_password); });
}

Outcome AuthGate::dms_reset(const InstanceRef& ref, DmsEngine engine, const Secret& new_password) {
  return guarded([&] { return inner_->dms_reset(ref, engine, new_password); });
}

}  // namespace rotor::cloud
