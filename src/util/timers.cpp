// The timers behind every Clock: one table of pending timers, fired either by a thread that
// sleeps until the earliest is due (WallTimers) or by whoever moves a ManualClock.
#include <condition_variable>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "util/clock.hpp"

namespace rotor {
namespace detail {

class TimerTable {
 public:
  ~TimerTable() { stop_thread(); }

  TimerHandle add(TimePoint when, std::function<void()> fire) {
    std::lock_guard lock(mu_);
    const std::uint64_t id = next_id_++;
    fires_.emplace(id, Pending{when, std::move(fire)});
    order_.emplace(when, id);
    cv_.notify_all();  // the thread may have to wake earlier now
    return TimerHandle{id};
  }

  bool cancel(TimerHandle timer) {
    if (!timer) return false;
    std::function<void()> dropped;  // destroyed after the lock is released: it may own anything
    std::unique_lock lock(mu_);
    if (auto it = fires_.find(timer.id); it != fires_.end()) {
      order_.erase({it->second.when, timer.id});
      dropped = std::move(it->second.fire);
      fires_.erase(it);
      return true;
    }
    const auto self = std::this_thread::get_id();
    cv_.wait(lock, [&] {
      const auto it = firing_.find(timer.id);
      return it == firing_.end() || it->second == self;
    });
    return false;
  }

  // Fires every timer due at `now`, one at a time, in due order (FIFO among equal times),
  // outside the lock; a timer cancelled by an earlier one's `fire` does not fire.
  void fire_due(TimePoint now) {
    std::unique_lock lock(mu_);
    while (!order_.empty() && order_.begin()->first <= now) {
      const std::uint64_t id = order_.begin()->second;
      order_.erase(order_.begin());
      auto node = fires_.extract(id);
      std::function<void()> fire = std::move(node.mapped().fire);
      firing_.emplace(id, std::this_thread::get_id());
      lock.unlock();
      [&fire]() noexcept { fire(); }();  // a throwing timer terminates, loudly
      fire = nullptr;                    // cancel() promises its captures are gone too
      lock.lock();
      firing_.erase(id);
      cv_.notify_all();
    }
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return order_.size();
  }

  std::optional<TimePoint> next() const {
    std::lock_guard lock(mu_);
    if (order_.empty()) return std::nullopt;
    return order_.begin()->first;
  }

  void start_thread(const std::function<TimePoint()>& now) {
    std::lock_guard lock(mu_);
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this, &now] { run(now); });
  }

  void wake() {
    std::lock_guard lock(mu_);
    cv_.notify_all();
  }

 private:
  // A minute at most between looks at the clock, so that a wall-clock step (NTP, a resumed
  // VM) delays a timer by at most that.
  static constexpr Duration kMaxWait = std::chrono::minutes(1);

  struct Pending {
    TimePoint when;
    std::function<void()> fire;
  };

  void run(const std::function<TimePoint()>& now) {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      if (order_.empty()) {
        cv_.wait(lock);
        continue;
      }
      const TimePoint due = order_.begin()->first;
      const TimePoint t = now();
      if (due > t) {
        // A relative, steady wait: the wall clock is read again on every wake.
        cv_.wait_for(lock, std::min<Duration>(due - t, kMaxWait));
        continue;
      }
      lock.unlock();
      fire_due(t);
      lock.lock();
    }
  }

  void stop_thread() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;  // the thread, and cancel() waiting for a running fire
  std::map<std::uint64_t, Pending> fires_;
  std::set<std::pair<TimePoint, std::uint64_t>> order_;        // ids grow: FIFO among equals
  std::unordered_map<std::uint64_t, std::thread::id> firing_;  // id -> the thread firing it
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace detail

// --- WallTimers --------------------------------------------------------------------------

WallTimers::WallTimers(std::function<TimePoint()> now)
    : now_(std::move(now)), table_(std::make_unique<detail::TimerTable>()) {}

WallTimers::~WallTimers() = default;  // the table joins its thread first

TimerHandle WallTimers::schedule_at(TimePoint when, std::function<void()> fire) {
  table_->start_thread(now_);
  return table_->add(when, std::move(fire));
}

bool WallTimers::cancel(TimerHandle timer) {
  return table_->cancel(timer);
}

void WallTimers::clock_moved() {
  table_->wake();
}

// --- ManualClock -------------------------------------------------------------------------

ManualClock::ManualClock(TimePoint start)
    : now_(start), table_(std::make_unique<detail::TimerTable>()) {}

ManualClock::~ManualClock() = default;

TimerHandle ManualClock::schedule_at(TimePoint when, std::function<void()> fire) const {
  return table_->add(when, std::move(fire));
}

bool ManualClock::cancel(TimerHandle timer) const {
  return table_->cancel(timer);
}

void ManualClock::advance(Duration d) {
  TimePoint now;
  {
    std::lock_guard lock(mu_);
    now = now_ += d;
  }
  table_->fire_due(now);
}

void ManualClock::set(TimePoint t) {
  {
    std::lock_guard lock(mu_);
    now_ = t;
  }
  table_->fire_due(t);
}

std::size_t ManualClock::pending_timers() const {
  return table_->size();
}

std::optional<TimePoint> ManualClock::next_timer() const {
  return table_->next();
}

}  // namespace rotor
