#include "cloud/adaptive_rate.hpp"

#include <algorithm>
#include <stdexcept>

namespace rotor::cloud {
namespace {

Duration interval(double per_s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(1.0 / per_s));
}

}  // namespace

AdaptiveRate::AdaptiveRate(AdaptiveRateOptions options)
    : options_(options),
      per_s_(options.initial_per_s),
      step_per_s_(options.increase_per_s),
      unpaced_(options.initial_per_s == 0) {
  const auto& o = options_;
  if (!(o.min_per_s > 0 && o.min_per_s <= o.max_per_s &&
        (unpaced_ || (o.min_per_s <= o.initial_per_s && o.initial_per_s <= o.max_per_s))))
    throw std::invalid_argument("adaptive rate: need 0 < min <= initial (or 0) <= max");
  if (!(o.decrease > 0 && o.decrease < 1))
    throw std::invalid_argument("adaptive rate: decrease must lie in (0, 1)");
  if (!(o.increase_per_s >= 0 && o.increase_share >= 0))
    throw std::invalid_argument("adaptive rate: increase must not be negative");
}

std::optional<RateSlot> AdaptiveRate::reserve(TimePoint now) {
  std::lock_guard lock(mu_);
  const TimePoint at = std::max({now, unpaced_ ? now : next_slot_, paused_until_});
  if (at - now > options_.max_wait) {
    ++turned_away_;
    return std::nullopt;
  }
  if (unpaced_) {
    while (!recent_sends_.empty() && at - recent_sends_.front() >= std::chrono::seconds(1))
      recent_sends_.pop_front();
    recent_sends_.push_back(at);
    return RateSlot{at, false, epoch_};
  }
  next_slot_ = at + interval(per_s_);
  return RateSlot{at, at > now, epoch_};
}

void AdaptiveRate::on_answer(const RateSlot& slot, bool throttled,
                             std::optional<Duration> retry_after, TimePoint now) {
  std::lock_guard lock(mu_);
  if (throttled) {
    ++throttled_;
    if (retry_after && *retry_after > Duration::zero())
      paused_until_ = std::max(paused_until_, now + *retry_after);
    // Spaced at a pace already decreased for: nothing new.
    if (slot.epoch != epoch_) return;
    ++decreases_;
    ++epoch_;
    slow_start_ = false;
    if (unpaced_) {
      // The pace the gateway refused: what went out in the second before this answer.
      unpaced_ = false;
      const auto sent = std::count_if(recent_sends_.begin(), recent_sends_.end(), [&](TimePoint t) {
        return now - t < std::chrono::seconds(1);
      });
      recent_sends_.clear();
      per_s_ = std::clamp(static_cast<double>(sent), options_.min_per_s, options_.max_per_s);
      next_slot_ = now;
    }
    step_per_s_ = std::max(options_.increase_per_s, options_.increase_share * per_s_);
    per_s_ = std::max(options_.min_per_s, per_s_ * options_.decrease);
    // Turns already handed out keep their times; later ones follow the new spacing.
    return;
  }
  if (!slot.waited) return;
  per_s_ += slow_start_ ? 1.0 : step_per_s_ / per_s_;
  if (per_s_ >= options_.max_per_s) {
    per_s_ = options_.max_per_s;
    slow_start_ = false;
  }
}

AdaptiveRateStats AdaptiveRate::stats() const {
  std::lock_guard lock(mu_);
  return AdaptiveRateStats{per_s_, slow_start_, throttled_, decreases_, turned_away_};
}

}  // namespace rotor::cloud
