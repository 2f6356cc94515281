#include "cloud/paced_api.hpp"

namespace rotor::cloud {

std::shared_ptr<AdaptiveRate> RateRegistry::get(const std::string& account_id,
                                                const std::string& endpoint) {
  std::lock_guard lock(mu_);
  auto& rate = rates_[{account_id, endpoint}];
  if (!rate) rate = std::make_shared<AdaptiveRate>(options_);
  return rate;
}

std::map<std::pair<std::string, std::string>, AdaptiveRateStats> RateRegistry::snapshot() const {
  std::lock_guard lock(mu_);
  std::map<std::pair<std::string, std::string>, AdaptiveRateStats> out;
  for (const auto& [key, rate] : rates_) out[key] = rate->stats();
  return out;
}

std::size_t RateRegistry::waiting() const {
  std::lock_guard lock(wait_mu_);
  return waiting_;
}

bool RateRegistry::wait_turn(const Clock& clock, TimePoint when) {
  std::unique_lock lock(wait_mu_);
  if (closed_) return false;
  if (clock.now() >= when) return true;
  bool reached = false;
  const TimerHandle timer = clock.schedule_at(when, [this, &reached] {
    {
      std::lock_guard fired(wait_mu_);
      reached = true;
    }
    waited_.notify_all();
  });
  ++waiting_;
  waited_.wait(lock, [&] { return reached || closed_; });
  --waiting_;
  const bool turn = reached;
  lock.unlock();
  clock.cancel(timer);  // outside wait_mu_, which the timer takes; then `reached` may go
  return turn;
}

void RateRegistry::close() {
  {
    std::lock_guard lock(wait_mu_);
    closed_ = true;
  }
  waited_.notify_all();
}

PacedPasswordApi::PacedPasswordApi(std::shared_ptr<PasswordApi> inner,
                                   const std::string& account_id, const Endpoints& endpoints,
                                   RateRegistry& registry, const Clock& clock)
    : inner_(std::move(inner)), registry_(registry), clock_(clock) {
  for (const Service s : {Service::kDcs, Service::kDdm, Service::kDms})
    rates_[s] = registry.get(account_id, endpoints.base_url(s));
}

template <class Call>
Outcome PacedPasswordApi::paced(Service service, Call&& call) {
  AdaptiveRate& rate = *rates_.at(service);
  const auto slot = rate.reserve(clock_.now());
  if (!slot || !registry_.wait_turn(clock_, slot->send_at)) {
    Outcome o;
    o.kind = OutcomeKind::kNotSent;
    o.message = slot ? std::string("not sent: rotor is shutting down")
                     : std::string("not sent: the ") + to_string(service) +
                           " endpoint throttled this account's calls; the call waits for a "
                           "later turn";
    return o;
  }
  Outcome o = call();
  // Only answers that passed the gateway (or were throttled by it) tell its limit.
  if (o.kind == OutcomeKind::kThrottled) {
    rate.on_answer(*slot, true, o.retry_after, clock_.now());
  } else if (o.http_status != 0 && o.kind != OutcomeKind::kNotSent) {
    rate.on_answer(*slot, false, std::nullopt, clock_.now());
  }
  return o;
}

Outcome PacedPasswordApi::dcs_reset(const InstanceRef& ref, const Secret& new_password,
                                    bool password_free) {
  return paced(Service::kDcs, [&] { return inner_->dcs_reset(ref, new_password, password_free); });
}

Outcome PacedPasswordApi::dcs_change(const InstanceRef& ref, const Secret& old_password,
                                     const Secret& new_password) {
  return paced(Service::kDcs, [&] { return inner_->dcs_change(ref, old_password, new_password); });
}

Outcome PacedPasswordApi::ddm_reset(const InstanceRef& ref, const std::string& username,
                                    const Secret& new_password) {
  return paced(Service::kDdm, [&] { return inner_->ddm_reset(ref, username, new_password); });
}

Outcome PacedPasswordApi::dms_reset(const InstanceRef& ref, DmsEngine engine,
                                    const Secret& new_password) {
  return paced(Service::kDms, [&] { return inner_->dms_reset(ref, engine, new_password); });
}

}  // namespace rotor::cloud
