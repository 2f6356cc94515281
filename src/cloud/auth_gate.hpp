#pragma once
// AuthGate: once the cloud has refused an account's credentials, no resource of that account
// tries them again for a while. Retrying would walk them into a lockout: IAM locks a user
// after repeated wrong passwords, and more than 5 bad signatures lock an AK for 5 minutes.
//
// One gate wraps the PasswordApi of one account and credentials version, and every resource
// of the account shares it (AccountResolver caches the client per account id and version).
// - A call answered kAuthFailed (by IAM's token request or by the service) closes the gate:
//   later calls return kAuthFailed at once, without a request, for `cooldown`.
// - New credentials (the Secret or the account changed) get a new client and so a new gate.
// - After the cool-down, one call tries again; another refusal closes the gate again.
// - Until the credentials have been accepted once, calls go through one at a time, so that
//   parallel workers cannot send N wrong passwords or signatures before the first answer.
// kNotSent (IAM timeout, 5xx) is no refusal and is not remembered.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cloud/password_api.hpp"
#include "util/clock.hpp"

namespace rotor::cloud {

class AuthGate final : public PasswordApi {
 public:
  static constexpr auto kDefaultCooldown = std::chrono::minutes(15);

  // `account_id` names the account in messages; `cooldown` is not clamped (tests use short
  // ones), production callers keep it at 15 minutes or more.
  AuthGate(std::shared_ptr<PasswordApi> inner, std::string account_id, const Clock& clock,
           Duration cooldown = kDefaultCooldown);

  Outcome dcs_reset(const InstanceRef& ref, const Secret& new_password,
                    bool password_free) override;
  Outcome dcs_change(const InstanceRef& ref, const Secret& old_password,
                     const Secret& new_password) override;
  Outcome ddm_reset(const InstanceRef& ref, const std::string& username,
                    const Secret& new_password) override;
  Outcome dms_reset(const InstanceRef& ref, DmsEngine engine, const Secret& new_password) override;

 private:
  template <class Call>
  Outcome guarded(Call&& call);
  // The fail-fast answer while the gate is closed; nullopt when a call may go. Holds mu_.
  std::optional<Outcome> closed_locked() const;
  std::string not_retried_until_locked() const;
  void record(Outcome& outcome);

  std::shared_ptr<PasswordApi> inner_;
  std::string account_id_;
  const Clock& clock_;
  Duration cooldown_;
  std::mutex trial_mu_;  // held by the one call trying credentials not yet accepted
  std::mutex mu_;        // guards the fields below; never held during a call
  bool accepted_ = false;
  std::optional<TimePoint> refused_at_;
  std::string refusal_;  // describe() of the refusing answer: scrubbed, never a secret
};

}  // namespace rotor::cloud
