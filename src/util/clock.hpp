#pragma once
// Time behind an interface so that rotation schedules, lockouts, token expiry and every wait
// (requeue times, reconnect backoff) are tested without sleeping: production uses
// SystemClock, tests a ManualClock they move by hand.
//
// A Clock tells the time and runs timers by it. Waiting on a timer rather than sleeping on
// another clock is what lets a test drive waits: a ManualClock fires its timers inside
// advance()/set(), on the test's thread, in due order.
//
// Timer rules, the same for every clock:
//  * `fire` runs once, when now() has reached `when`, never on the thread that scheduled it
//    (so schedule_at() may be called with a lock held that `fire` takes);
//  * cancel() returns true if the timer had not fired; either way, once it returns, `fire`
//    is not running and never will be, so whatever `fire` refers to may be destroyed. So
//    cancel() waits for a `fire` running on another thread: never call it holding a lock
//    that `fire` takes. Called from inside its own `fire`, it returns at once;
//  * `fire` must not throw.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace rotor {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

// Names one scheduled timer; the default one names none (cancelling it does nothing).
struct TimerHandle {
  std::uint64_t id = 0;
  explicit operator bool() const { return id != 0; }
  bool operator==(const TimerHandle&) const = default;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // Timers are not part of the time a clock tells, hence const like now().
  virtual TimerHandle schedule_at(TimePoint when, std::function<void()> fire) const = 0;
  virtual bool cancel(TimerHandle timer) const = 0;
};

namespace detail {
class TimerTable;
}

// Timers of a clock that runs at the wall clock's rate (possibly shifted): one thread, started
// on the first schedule_at(), sleeps until the earliest is due. A wall-clock step is noticed
// within a minute; a clock that shifts itself calls clock_moved() to be noticed at once.
class WallTimers {
 public:
  // `now` is the owning clock's time; it is called on the timer thread.
  explicit WallTimers(std::function<TimePoint()> now);
  ~WallTimers();  // stops the thread; pending timers never fire
  WallTimers(const WallTimers&) = delete;
  WallTimers& operator=(const WallTimers&) = delete;

  TimerHandle schedule_at(TimePoint when, std::function<void()> fire);
  bool cancel(TimerHandle timer);
  void clock_moved();

 private:
  std::function<TimePoint()> now_;             // declared first: the thread, joined by
  std::unique_ptr<detail::TimerTable> table_;  // table_'s destructor, reads it
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  TimerHandle schedule_at(TimePoint when, std::function<void()> fire) const override {
    return timers_.schedule_at(when, std::move(fire));
  }
  bool cancel(TimerHandle timer) const override { return timers_.cancel(timer); }

 private:
  mutable WallTimers timers_{[] { return std::chrono::system_clock::now(); }};
};

// Time stands still until advance() or set() moves it; they fire every timer that is then
// due, in due order, on the calling thread, before they return (including timers that those
// timers schedule, if due). A timer scheduled at or before now() fires at the next
// advance() or set(); advance(Duration::zero()) fires it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start);
  ~ManualClock() override;

  TimePoint now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  TimerHandle schedule_at(TimePoint when, std::function<void()> fire) const override;
  bool cancel(TimerHandle timer) const override;

  void advance(Duration d);
  void set(TimePoint t);  // may go back too
  // For tests that must wait until another thread has scheduled its timer: how many are
  // pending, and the earliest one's time.
  std::size_t pending_timers() const;
  std::optional<TimePoint> next_timer() const;

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  std::unique_ptr<detail::TimerTable> table_;
};

// RFC 3339 in UTC with second precision, "2026-11-23T18:22:00Z".
std::string format_rfc3339(TimePoint t);
// Parses RFC 3339 ("Z" or "+hh:mm" offsets, optional fraction); false if malformed.
bool parse_rfc3339(const std::string& text, TimePoint& out);
// The compact form X-Sdk-Date uses: "20261123T182200Z".
std::string format_sdk_date(TimePoint t);
bool parse_sdk_date(const std::string& text, TimePoint& out);

}  // namespace rotor
