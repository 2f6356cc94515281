#include "controller/workqueue.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace rotor::controller {
namespace {

// now + delay without overflowing the tick count for absurd delays (Duration::max()); a
// delay <= 0 means "now".
TimePoint saturating_add(TimePoint now, Duration delay) {
  if (delay <= Duration::zero()) return now;
  if (now > TimePoint::max() - delay) return TimePoint::max();
  return now + delay;
}

}  // namespace

WorkQueue::WorkQueue(const Clock& clock, WorkQueueOptions options)
    : clock_(clock),
      max_sleep_(options.max_sleep),
      backoff_(options.backoff, std::move(options.random)) {
  if (max_sleep_ <= Duration::zero()) throw std::invalid_argument("workqueue: max_sleep <= 0");
}

// --- adding ------------------------------------------------------------------------------

bool WorkQueue::add_locked(const std::string& key) {
  if (shutting_down_) return false;
  // "Now" is earlier than any schedule, so it replaces it; the heap entry goes stale and is
  // skipped when it surfaces. This saves the extra reconcile client-go would do later.
  waiting_.erase(key);
  if (!dirty_.insert(key).second) return false;  // already pending
  ++adds_;
  if (processing_.count(key) != 0) return false;  // done() will re-queue it
  ready_.push_back(key);
  return true;
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  if (add_locked(key)) wake_one_locked();
}

void WorkQueue::add_after(const std::string& key, Duration delay) {
  std::lock_guard lock(mu_);
  const TimePoint now = clock_.now();
  add_at_locked(key, saturating_add(now, delay), now);
}

void WorkQueue::add_at(const std::string& key, TimePoint when) {
  std::lock_guard lock(mu_);
  add_at_locked(key, when, clock_.now());
}

void WorkQueue::add_at_locked(const std::string& key, TimePoint when, TimePoint now) {
  if (shutting_down_) return;
  if (when <= now) {
    if (add_locked(key)) wake_one_locked();
    return;
  }
  if (dirty_.count(key) != 0) return;  // a run is pending before `when`; it will reschedule
  auto [it, inserted] = waiting_.try_emplace(key, when);
  if (!inserted) {
    if (it->second <= when) return;  // the earlier schedule wins
    it->second = when;
  }
  timers_.push_back(Timer{when, next_seq_++, key});
  std::push_heap(timers_.begin(), timers_.end(), Later{});
  compact_timers_locked();
  if (watching_) {
    // Only a new earliest deadline changes what the watcher sleeps until.
    if (timers_.front().key == key && timers_.front().due == when) timer_cv_.notify_one();
  } else if (idle_ > 0) {
    idle_cv_.notify_one();  // nobody watches the timers: let an idle worker take it on
  }
}

Duration WorkQueue::add_rate_limited(const std::string& key) {
  // Outside mu_: the backoff has its own lock and may call an injected jitter source.
  const Duration delay = backoff_.next(key);
  std::lock_guard lock(mu_);
  ++retries_;
  const TimePoint now = clock_.now();
  add_at_locked(key, saturating_add(now, delay), now);
  return delay;
}

void WorkQueue::forget(const std::string& key) {
  backoff_.forget(key);
}

std::uint32_t WorkQueue::num_requeues(const std::string& key) const {
  return backoff_.failures(key);
}

void WorkQueue::compact_timers_locked() {
  // Superseded schedules stay in the heap until they surface. Rebuild when they dominate so
  // that a key rescheduled often (every watch event cancels its schedule) cannot grow it.
  if (timers_.size() < 64 || timers_.size() <= 2 * waiting_.size()) return;
  std::vector<Timer> live;
  live.reserve(waiting_.size());
  for (auto& t : timers_) {
    const auto it = waiting_.find(t.key);
    if (it != waiting_.end() && it->second == t.due) live.push_back(std::move(t));
  }
  // A key can have two identical live entries (scheduled, cancelled, scheduled again at the
  // same time); keep one so that the rebuilt heap matches waiting_ one to one.
  std::sort(live.begin(), live.end(), [](const Timer& a, const Timer& b) {
    return a.key != b.key ? a.key < b.key : a.seq < b.seq;
  });
  live.erase(std::unique(live.begin(), live.end(),
                         [](const Timer& a, const Timer& b) { return a.key == b.key; }),
             live.end());
  std::make_heap(live.begin(), live.end(), Later{});
  timers_ = std::move(live);
}

// --- handing out -------------------------------------------------------------------------

void WorkQueue::promote_due_locked(TimePoint now) {
  while (!timers_.empty()) {
    const Timer& top = timers_.front();
    const auto it = waiting_.find(top.key);
    const bool stale = it == waiting_.end() || it->second != top.due;
    if (!stale && top.due > now) break;
    std::pop_heap(timers_.begin(), timers_.end(), Later{});
    Timer timer = std::move(timers_.back());
    timers_.pop_back();
    if (stale) continue;
    waiting_.erase(it);
    add_locked(timer.key);  // the caller looks at ready_ and wakes workers as needed
  }
}

void WorkQueue::wake_one_locked() {
  // A key is ready: an idle worker takes it; if none is idle, the watcher (who would
  // otherwise sleep until its timer) does.
  if (idle_ > 0) {
    idle_cv_.notify_one();
  } else if (watching_) {
    timer_cv_.notify_one();
  }
}

std::string WorkQueue::pop_ready_locked(TimePoint now) {
  std::string key = std::move(ready_.front());
  ready_.pop_front();
  dirty_.erase(key);
  processing_.emplace(key, now);
  // Hand on what this thread leaves behind: more ready keys, or timers nobody watches.
  if (!ready_.empty()) {
    wake_one_locked();
  } else if (!timers_.empty() && !watching_ && idle_ > 0) {
    idle_cv_.notify_one();
  }
  return key;
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (shutting_down_ && !draining_) return std::nullopt;
    const TimePoint now = clock_.now();
    promote_due_locked(now);
    if (!ready_.empty()) return pop_ready_locked(now);
    if (draining_ && processing_.empty()) return std::nullopt;
    if (!timers_.empty() && !watching_) {
      watching_ = true;
      const Duration until = std::min(timers_.front().due - now, max_sleep_);
      timer_cv_.wait_for(lock, until);
      watching_ = false;
    } else {
      ++idle_;
      idle_cv_.wait(lock);
      --idle_;
    }
  }
}

std::optional<std::string> WorkQueue::try_get() {
  std::lock_guard lock(mu_);
  if (shutting_down_ && !draining_) return std::nullopt;
  const TimePoint now = clock_.now();
  promote_due_locked(now);
  if (ready_.empty()) return std::nullopt;
  return pop_ready_locked(now);
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  if (processing_.erase(key) == 0) return;  // not handed out (or done twice): ignore
  ++completions_;
  if (dirty_.count(key) != 0) {
    ready_.push_back(key);
    wake_one_locked();
  }
  if (draining_ && processing_.empty()) {
    // Only the end of the drain needs announcing (a re-queued key was woken for above):
    // workers blocked in a draining get() return, shutdown_with_drain() may finish.
    idle_cv_.notify_all();
    if (ready_.empty()) drain_cv_.notify_all();
  }
}

// --- time and life cycle -----------------------------------------------------------------

void WorkQueue::poke() {
  // Under the lock, so that a get() between reading the clock and sleeping cannot miss it.
  std::lock_guard lock(mu_);
  timer_cv_.notify_all();
  if (!watching_ && !timers_.empty()) idle_cv_.notify_one();
}

void WorkQueue::shutdown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  draining_ = false;
  ready_.clear();
  dirty_.clear();
  waiting_.clear();
  timers_.clear();
  idle_cv_.notify_all();
  timer_cv_.notify_all();
  drain_cv_.notify_all();
}

bool WorkQueue::shutdown_with_drain(std::chrono::steady_clock::duration timeout) {
  bool drained = false;
  {
    std::unique_lock lock(mu_);
    if (!shutting_down_) {
      shutting_down_ = true;
      draining_ = true;
      waiting_.clear();  // future work is not part of the drain
      timers_.clear();
      idle_cv_.notify_all();
      timer_cv_.notify_all();
    }
    drained = drain_cv_.wait_for(
        lock, timeout, [this] { return !draining_ || (ready_.empty() && processing_.empty()); });
    drained = drained && ready_.empty() && processing_.empty();
  }
  shutdown();
  return drained;
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

WorkQueueMetrics WorkQueue::metrics() const {
  std::lock_guard lock(mu_);
  WorkQueueMetrics m;
  m.depth = ready_.size();
  m.delayed = waiting_.size();
  m.in_flight = processing_.size();
  m.adds = adds_;
  m.retries = retries_;
  m.completions = completions_;
  m.timer_entries = timers_.size();
  if (!processing_.empty()) {
    TimePoint oldest = TimePoint::max();
    for (const auto& [key, since] : processing_) oldest = std::min(oldest, since);
    m.longest_running = std::max(Duration::zero(), clock_.now() - oldest);
  }
  return m;
}

}  // namespace rotor::controller
