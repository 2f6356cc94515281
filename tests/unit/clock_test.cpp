// Clock timers: a ManualClock fires them inside advance()/set(), in due order, and never a
// cancelled one; the SystemClock's thread fires them by the wall clock. Real waits are only
// thread hand-offs bounded by a generous guard, never asserted as latencies.
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "util/clock.hpp"

namespace rotor {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint(hours(24 * 365 * 56));
constexpr auto kGuard = seconds(20);  // "did not hang", not a latency bound

TEST(ManualClock, FiresDueTimersInDueOrderInsideAdvance) {
  ManualClock clock(kStart);
  std::vector<std::string> fired;
  clock.schedule_at(kStart + seconds(2), [&] { fired.push_back("b"); });
  clock.schedule_at(kStart + seconds(1), [&] { fired.push_back("a"); });
  clock.schedule_at(kStart + seconds(2), [&] { fired.push_back("c"); });  // FIFO among equals
  clock.schedule_at(kStart + seconds(9), [&] { fired.push_back("late"); });
  EXPECT_EQ(clock.pending_timers(), 4u);
  EXPECT_EQ(clock.next_timer(), kStart + seconds(1));
  clock.advance(seconds(1) - nanoseconds(1));
  EXPECT_TRUE(fired.empty());
  clock.advance(nanoseconds(1));
  EXPECT_EQ(fired, (std::vector<std::string>{"a"}));
  clock.set(kStart + seconds(5));
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(clock.pending_timers(), 1u);
}

TEST(ManualClock, ACancelledTimerDoesNotFire) {
  ManualClock clock(kStart);
  int fired = 0;
  const TimerHandle t = clock.schedule_at(kStart + seconds(1), [&] { ++fired; });
  EXPECT_TRUE(clock.cancel(t));
  EXPECT_FALSE(clock.cancel(t)) << "cancelled twice";
  EXPECT_FALSE(clock.cancel(TimerHandle{})) << "the empty handle names no timer";
  clock.advance(hours(1));
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(clock.pending_timers(), 0u);
  // A fired timer cannot be cancelled any more.
  const TimerHandle u = clock.schedule_at(clock.now() + seconds(1), [&] { ++fired; });
  clock.advance(seconds(1));
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(clock.cancel(u));
}

TEST(ManualClock, TimersMayScheduleAndCancelTimers) {
  ManualClock clock(kStart);
  std::vector<std::string> fired;
  TimerHandle victim, self;
  clock.schedule_at(kStart + seconds(1), [&] {
    fired.push_back("first");
    EXPECT_TRUE(clock.cancel(victim));  // due in the same advance(), yet never fires
    // Due already: fires within the same advance(), in due order; not yet due: waits.
    clock.schedule_at(kStart + seconds(1), [&] { fired.push_back("chained"); });
    clock.schedule_at(kStart + seconds(4), [&] { fired.push_back("later"); });
  });
  victim = clock.schedule_at(kStart + seconds(2), [&] { fired.push_back("victim"); });
  self = clock.schedule_at(kStart + seconds(3), [&] {
    fired.push_back("self");
    EXPECT_FALSE(clock.cancel(self));  // from inside its own fire: returns, no deadlock
  });
  clock.advance(seconds(3));
  EXPECT_EQ(fired, (std::vector<std::string>{"first", "chained", "self"}));
  clock.advance(seconds(3));
  EXPECT_EQ(fired.back(), "later");
}

TEST(ManualClock, ATimerScheduledInThePastFiresWhenTheClockNextMoves) {
  ManualClock clock(kStart);
  int fired = 0;
  clock.schedule_at(kStart - seconds(1), [&] { ++fired; });
  EXPECT_EQ(fired, 0) << "never on the scheduling thread";
  clock.advance(Duration::zero());
  EXPECT_EQ(fired, 1);
}

TEST(SystemClock, FiresTimersOnItsThreadInDueOrderAndNotCancelledOnes) {
  SystemClock clock;
  std::promise<void> gate_entered, gate_open, last;
  std::shared_future<void> open = gate_open.get_future().share();
  // Hold the timer thread in a first timer, so that the rest is due before it looks again.
  const TimerHandle gate = clock.schedule_at(clock.now(), [&, open] {
    gate_entered.set_value();
    open.wait();
  });
  ASSERT_EQ(gate_entered.get_future().wait_for(kGuard), std::future_status::ready);
  std::vector<std::string> fired;  // written on the timer thread only, read after `last`
  const TimePoint now = clock.now();
  clock.schedule_at(now + milliseconds(2), [&] { fired.push_back("b"); });
  clock.schedule_at(now + milliseconds(1), [&] { fired.push_back("a"); });
  const TimerHandle x = clock.schedule_at(now + milliseconds(2), [&] { fired.push_back("x"); });
  clock.schedule_at(now + milliseconds(3), [&] {
    fired.push_back("c");
    last.set_value();
  });
  EXPECT_TRUE(clock.cancel(x));
  gate_open.set_value();
  EXPECT_FALSE(clock.cancel(gate)) << "fired already (and cancel() waited for it to finish)";
  ASSERT_EQ(last.get_future().wait_for(kGuard), std::future_status::ready);
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(SystemClock, DestroyingTheClockDropsPendingTimers) {
  int fired = 0;
  {
    SystemClock clock;
    clock.schedule_at(clock.now() + hours(1), [&] { ++fired; });
  }
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace rotor
