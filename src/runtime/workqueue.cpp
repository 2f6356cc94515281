#include "runtime/workqueue.hpp"

#include <algorithm>
#include <utility>

namespace rotor::runtime {
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
      backoff_(options.backoff, std::move(options.random)),
      on_handed_out_(std::move(options.on_handed_out)) {}

WorkQueue::~WorkQueue() {
  shutdown();  // cancels the clock timer, whose fire refers to this queue
}

// --- adding ------------------------------------------------------------------------------

bool WorkQueue::add_locked(const std::string& key, TimePoint added_at) {
  if (shutting_down_) return false;
  // "Now" is earlier than any schedule, so it replaces it; the heap entry goes stale and is
  // skipped when it surfaces. This saves the extra reconcile client-go would do later.
  waiting_.erase(key);
  if (!dirty_.emplace(key, added_at).second) return false;  // already pending
  ++adds_;
  if (processing_.count(key) != 0) return false;  // done() will re-queue it
  ready_.push_back(key);
  return true;
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  if (add_locked(key, clock_.now())) wake_one_locked();
}

void WorkQueue::add_after(const std::string& key, Duration delay) {
  TimerHandle superseded;
  {
    std::lock_guard lock(mu_);
    const TimePoint now = clock_.now();
    superseded = add_at_locked(key, saturating_add(now, delay), now);
  }
  clock_.cancel(superseded);
}

void WorkQueue::add_at(const std::string& key, TimePoint when) {
  TimerHandle superseded;
  {
    std::lock_guard lock(mu_);
    superseded = add_at_locked(key, when, clock_.now());
  }
  clock_.cancel(superseded);
}

TimerHandle WorkQueue::add_at_locked(const std::string& key, TimePoint when, TimePoint now) {
  if (shutting_down_) return {};
  if (when <= now) {
    if (add_locked(key, now)) wake_one_locked();
    return {};
  }
  if (dirty_.count(key) != 0) return {};  // a run is pending before `when`; it will reschedule
  auto [it, inserted] = waiting_.try_emplace(key, when);
  if (!inserted) {
    if (it->second <= when) return {};  // the earlier schedule wins
    it->second = when;
  }
  timers_.push_back(Timer{when, next_seq_++, key});
  std::push_heap(timers_.begin(), timers_.end(), Later{});
  compact_timers_locked();
  return arm_locked();
}

Duration WorkQueue::add_rate_limited(const std::string& key) {
  // Outside mu_: the backoff has its own lock and may call an injected jitter source.
  const Duration delay = backoff_.next(key);
  TimerHandle superseded;
  {
    std::lock_guard lock(mu_);
    ++retries_;
    const TimePoint now = clock_.now();
    superseded = add_at_locked(key, saturating_add(now, delay), now);
  }
  clock_.cancel(superseded);
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
    // Added when it fell due, however late the timer ran; the caller looks at ready_ and
    // wakes workers as needed.
    add_locked(timer.key, timer.due);
  }
}

void WorkQueue::wake_one_locked() {
  // A key is ready: one idle worker takes it (and hands on to the next if more are ready).
  if (idle_ > 0) idle_cv_.notify_one();
}

std::string WorkQueue::pop_ready_locked(TimePoint now, Duration& waited) {
  std::string key = std::move(ready_.front());
  ready_.pop_front();
  waited = Duration::zero();
  if (const auto added = dirty_.find(key); added != dirty_.end()) {
    waited = std::max(Duration::zero(), now - added->second);
    dirty_.erase(added);
  }
  processing_.emplace(key, now);
  if (!ready_.empty()) wake_one_locked();  // hand on what this thread leaves behind
  return key;
}

void WorkQueue::report_wait(Duration waited) const {
  if (on_handed_out_) on_handed_out_(waited);
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (shutting_down_ && !draining_) return std::nullopt;
    const TimePoint now = clock_.now();
    promote_due_locked(now);
    if (!ready_.empty()) {
      Duration waited{};
      std::string key = pop_ready_locked(now, waited);
      lock.unlock();
      report_wait(waited);
      return key;
    }
    if (draining_ && processing_.empty()) return std::nullopt;
    ++idle_;
    idle_cv_.wait(lock);  // the clock timer, an add or done() wakes it
    --idle_;
  }
}

std::optional<std::string> WorkQueue::try_get() {
  Duration waited{};
  std::string key;
  {
    std::lock_guard lock(mu_);
    if (shutting_down_ && !draining_) return std::nullopt;
    const TimePoint now = clock_.now();
    promote_due_locked(now);
    if (ready_.empty()) return std::nullopt;
    key = pop_ready_locked(now, waited);
  }
  report_wait(waited);
  return key;
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

// --- time -------------------------------------------------------------------------------

TimerHandle WorkQueue::arm_locked() {
  // Superseded schedules on top would arm the timer for nothing.
  while (!timers_.empty()) {
    const Timer& top = timers_.front();
    const auto it = waiting_.find(top.key);
    if (it != waiting_.end() && it->second == top.due) break;
    std::pop_heap(timers_.begin(), timers_.end(), Later{});
    timers_.pop_back();
  }
  if (timers_.empty()) return {};
  const TimePoint due = timers_.front().due;
  // Armed early enough: a timer that finds nothing due just re-arms for what is left.
  if (armed_ && armed_due_ <= due) return {};
  const TimerHandle superseded = disarm_locked();
  const std::uint64_t arming = armed_seq_;
  armed_due_ = due;
  armed_ = clock_.schedule_at(due, [this, arming] { on_timer(arming); });
  // Another thread may have moved the clock past `due` since we read it; a ManualClock fires
  // such a timer only when it next moves, so take what is due now.
  const TimePoint now = clock_.now();
  if (due <= now) {
    promote_due_locked(now);
    if (!ready_.empty()) wake_one_locked();
  }
  return superseded;
}

TimerHandle WorkQueue::disarm_locked() {
  ++armed_seq_;  // a firing of the old timer now finds itself superseded
  armed_due_ = TimePoint::max();
  return std::exchange(armed_, TimerHandle{});
}

void WorkQueue::on_timer(std::uint64_t arming) {
  std::lock_guard lock(mu_);
  if (arming != armed_seq_ || shutting_down_) return;
  armed_ = {};
  armed_due_ = TimePoint::max();
  promote_due_locked(clock_.now());
  if (!ready_.empty()) wake_one_locked();
  // Nothing is armed now, so nothing is superseded.
  [[maybe_unused]] const TimerHandle none = arm_locked();
}

// --- life cycle --------------------------------------------------------------------------

void WorkQueue::shutdown() {
  TimerHandle armed;
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
    draining_ = false;
    ready_.clear();
    dirty_.clear();
    waiting_.clear();
    timers_.clear();
    armed = disarm_locked();
    idle_cv_.notify_all();
    drain_cv_.notify_all();
  }
  clock_.cancel(armed);
}

bool WorkQueue::shutdown_with_drain(std::chrono::steady_clock::duration timeout) {
  TimerHandle armed;
  {
    std::lock_guard lock(mu_);
    if (!shutting_down_) {
      shutting_down_ = true;
      draining_ = true;
      waiting_.clear();  // future work is not part of the drain
      timers_.clear();
      armed = disarm_locked();
      idle_cv_.notify_all();
    }
  }
  clock_.cancel(armed);
  bool drained = false;
  {
    std::unique_lock lock(mu_);
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
  m.idle_workers = idle_;
  if (!processing_.empty()) {
    TimePoint oldest = TimePoint::max();
    for (const auto& [key, since] : processing_) oldest = std::min(oldest, since);
    m.longest_running = std::max(Duration::zero(), clock_.now() - oldest);
  }
  return m;
}

}  // namespace rotor::runtime
