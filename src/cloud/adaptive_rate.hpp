#pragma once
// How fast rotor may send password calls to one endpoint of one account: a pace learned from
// the cloud's throttling (429 / APIG.0308), the way TCP learns a link's capacity.
//
// - Until the endpoint first throttles, calls are not held back at all (initial_per_s 0, the
//   default): a cloud that never throttles costs no latency. The first throttle sets the
//   rate to `decrease` times the calls sent in the second before it.
// - Then calls are spaced 1/rate apart. A call whose turn is more than `max_wait` away is not
//   made at all (the caller answers kNotSent and the rotation waits with its backoff), so a
//   worker never sits on a slot for long.
// - Slow start (only with an initial_per_s > 0): until the first throttle, every answered
//   call that had to wait for its turn adds one call per second, so the rate doubles about
//   every second.
// - Additive increase: after that, such a call adds step / rate, about `step` per second of
//   sending at the limit, where step = max(increase_per_s, increase_share * the rate the last
//   decrease started from): a limit found at 80 calls/s is approached again in seconds, one at
//   5 calls/s without overshooting it every second.
// - Multiplicative decrease: a throttled call multiplies the rate by `decrease`, once per
//   window: throttles of calls whose turn was handed out before the last decrease were
//   spaced at the old pace and say nothing new (with many workers, such turns are still
//   being sent well after the decrease).
// - Retry-After: no call goes out before the time a throttled answer named.
// Calls that did not have to wait show no demand beyond the rate, so they do not raise it:
// an idle account does not drift up to max_per_s and then burst.
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "util/clock.hpp"

namespace rotor::cloud {

struct AdaptiveRateOptions {
  double initial_per_s = 0;  // 0: unpaced until the first throttle
  double min_per_s = 0.2;
  double max_per_s = 200;
  double increase_per_s = 0.25;
  double increase_share = 0.05;
  double decrease = 0.8;
  Duration max_wait = std::chrono::seconds(30);
};

struct RateSlot {
  TimePoint send_at;        // not before this
  bool waited = false;      // the turn came later than asked: demand beyond the rate
  std::uint64_t epoch = 0;  // decreases before the turn was handed out
};

struct AdaptiveRateStats {
  double per_s = 0;  // 0: unpaced, no throttle seen yet
  bool slow_start = true;
  std::uint64_t throttled = 0;    // throttled answers seen
  std::uint64_t decreases = 0;    // of which lowered the rate
  std::uint64_t turned_away = 0;  // reserve() refusals (turn beyond max_wait)
};

class AdaptiveRate {
 public:
  // Throws std::invalid_argument unless 0 < min <= max, initial is 0 or within [min, max],
  // 0 < decrease < 1 and
  // the increases are not negative.
  explicit AdaptiveRate(AdaptiveRateOptions options = {});

  // The next turn, or nullopt when it is more than max_wait after `now` (nothing reserved).
  std::optional<RateSlot> reserve(TimePoint now);
  // The answer to a call sent in `slot`: `throttled` with the Retry-After it carried, if any.
  // Answers that say nothing about the gateway's limit (no answer, not sent) are not reported.
  void on_answer(const RateSlot& slot, bool throttled, std::optional<Duration> retry_after,
                 TimePoint now);

  AdaptiveRateStats stats() const;

 private:
  const AdaptiveRateOptions options_;
  mutable std::mutex mu_;
  double per_s_;
  bool slow_start_ = true;
  TimePoint next_slot_{};
  TimePoint paused_until_{};
  std::uint64_t epoch_ = 0;  // decreases so far
  double step_per_s_;
  bool unpaced_;
  std::deque<TimePoint> recent_sends_;  // unpaced: sends of the last second
  std::uint64_t throttled_ = 0;
  std::uint64_t decreases_ = 0;
  std::uint64_t turned_away_ = 0;
};

}  // namespace rotor::cloud
