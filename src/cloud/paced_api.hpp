#pragma once
// PacedPasswordApi: password calls of one account go out at the pace its endpoints allow
// (cloud/adaptive_rate.hpp), one AdaptiveRate per endpoint, so that a burst of due rotations
// (every credential after a leaked key) runs at the cloud's rate limit rather than into it.
//
// A call waits for its turn on the clock's timers (RateRegistry::wait_turn; close() ends
// every wait at shutdown). A turn more than max_wait away is not waited for: the call answers
// kNotSent without a request, which the rotation treats like any call that was not made (the
// pending password stays saved; the resource retries with its backoff). Nothing is ever sent twice
// here: a throttled answer goes back to the caller.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cloud/adaptive_rate.hpp"
#include "cloud/password_api.hpp"

namespace rotor::cloud {

// The learned pace of every (account, endpoint), kept across credential changes: the gateway
// throttles the account, not one version of its key.
class RateRegistry {
 public:
  explicit RateRegistry(AdaptiveRateOptions options = {}) : options_(options) {}
  std::shared_ptr<AdaptiveRate> get(const std::string& account_id, const std::string& endpoint);
  // (account id, endpoint) -> stats, for metrics and benchmarks.
  std::map<std::pair<std::string, std::string>, AdaptiveRateStats> snapshot() const;
  // Calls waiting for their turn right now, over every account and endpoint: threads that
  // more workers would not speed up (the worker pool asks before it grows).
  std::size_t waiting() const;
  // Blocks until `clock` reaches `when` (on its timers, so a ManualClock releases it from
  // advance()); false at once, or as soon as close() is called, without waiting.
  bool wait_turn(const Clock& clock, TimePoint when);
  // Shutting down: every wait_turn() returns false now and later, so that reconciles parked
  // on a turn finish at once (their calls answer kNotSent; nothing was sent).
  void close();

 private:
  const AdaptiveRateOptions options_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<AdaptiveRate>> rates_;
  mutable std::mutex wait_mu_;
  std::condition_variable waited_;
  std::size_t waiting_ = 0;
  bool closed_ = false;
};

class PacedPasswordApi final : public PasswordApi {
 public:
  // `inner` makes the calls; `registry` and `clock` must outlive this object.
  PacedPasswordApi(std::shared_ptr<PasswordApi> inner, const std::string& account_id,
                   const Endpoints& endpoints, RateRegistry& registry, const Clock& clock);

  Outcome dcs_reset(const InstanceRef& ref, const Secret& new_password,
                    bool password_free) override;
  Outcome dcs_change(const InstanceRef& ref, const Secret& old_password,
                     const Secret& new_password) override;
  Outcome ddm_reset(const InstanceRef& ref, const std::string& username,
                    const Secret& new_password) override;
  Outcome dms_reset(const InstanceRef& ref, DmsEngine engine, const Secret& new_password) override;

 private:
  template <class Call>
  Outcome paced(Service service, Call&& call);

  std::shared_ptr<PasswordApi> inner_;
  std::map<Service, std::shared_ptr<AdaptiveRate>> rates_;
  RateRegistry& registry_;
  const Clock& clock_;
};

}  // namespace rotor::cloud
