// The work queue's guarantees (dedup, one worker per key, no lost adds, earliest schedule
// wins, backoff) and the worker pool's handling of reconcile results. Time is a ManualClock
// moved by hand, whose timers make delayed keys ready inside advance(); real waits are only
// thread hand-offs, bounded by generous guards that fail a broken test instead of hanging it,
// never asserted as latencies.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/backoff.hpp"
#include "runtime/worker_pool.hpp"
#include "runtime/workqueue.hpp"

namespace rotor::runtime {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint(hours(24 * 365 * 56));
constexpr auto kGuard = seconds(20);  // "did not hang", not a latency bound

// Waits for a condition another thread will make true; false if it never does.
template <typename Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kGuard;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// Declared after any future that blocks in get(), so that a failed assertion shuts the queue
// down (unblocking it) before the future's destructor waits for it.
struct ShutdownOnExit {
  WorkQueue& q;
  ~ShutdownOnExit() { q.shutdown(); }
};

// --- Backoff ----------------------------------------------------------------------------

TEST(Backoff, GrowsByFactorUpToTheCapAndForgetResets) {
  Backoff b(BackoffOptions{seconds(1), seconds(10), 2.0, false});
  for (const auto expected : {1, 2, 4, 8, 10, 10}) EXPECT_EQ(b.next("a"), seconds(expected));
  EXPECT_EQ(b.failures("a"), 6u);
  EXPECT_EQ(b.next("b"), seconds(1)) << "keys back off independently";
  for (int i = 0; i < 5000; ++i) b.next("c");
  EXPECT_EQ(b.next("c"), seconds(10)) << "a huge failure count neither overflows nor wraps";
  b.forget("a");
  EXPECT_EQ(b.failures("a"), 0u);
  EXPECT_EQ(b.next("a"), seconds(1));
}

TEST(Backoff, FullJitterDrawsFromTheInjectedSource) {
  std::vector<double> draws{0.5, 0.0, 0.25};
  std::size_t i = 0;
  Backoff b(BackoffOptions{seconds(4), seconds(60), 2.0, true}, [&] { return draws[i++]; });
  EXPECT_EQ(b.next("a"), seconds(2));  // 4 s * 0.5
  EXPECT_EQ(b.next("a"), seconds(0));  // 8 s * 0
  EXPECT_EQ(b.next("a"), seconds(4));  // 16 s * 0.25
}

TEST(Backoff, RejectsNonsenseOptions) {
  EXPECT_THROW(Backoff(BackoffOptions{seconds(0), seconds(1), 2.0, false}), std::invalid_argument);
  EXPECT_THROW(Backoff(BackoffOptions{seconds(2), seconds(1), 2.0, false}), std::invalid_argument);
  EXPECT_THROW(Backoff(BackoffOptions{seconds(1), seconds(2), 0.5, false}), std::invalid_argument);
}

// --- WorkQueue: ready keys ---------------------------------------------------------------

TEST(WorkQueue, AWaitingKeyIsQueuedOnce) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  for (const char* k : {"ns/a", "ns/a", "ns/b", "ns/a"}) q.add(k);
  EXPECT_EQ(q.metrics().depth, 2u);
  EXPECT_EQ(q.metrics().adds, 2u);
  EXPECT_EQ(q.try_get(), "ns/a");
  EXPECT_EQ(q.try_get(), "ns/b");
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST(WorkQueue, AKeyAddedWhileProcessingIsRequeuedOnDone) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.add("ns/a");
  ASSERT_EQ(q.try_get(), "ns/a");
  q.add("ns/a");
  q.add("ns/a");
  EXPECT_EQ(q.try_get(), std::nullopt) << "handed to a second worker while processing";
  EXPECT_EQ(q.metrics().in_flight, 1u);
  q.done("ns/a");
  EXPECT_EQ(q.try_get(), "ns/a");
  q.done("ns/a");
  EXPECT_EQ(q.try_get(), std::nullopt) << "two adds while processing make one more run";
  EXPECT_EQ(q.metrics().completions, 2u);
  // A schedule that falls due during processing also waits for done().
  q.add("ns/a");
  ASSERT_EQ(q.try_get(), "ns/a");
  q.add_after("ns/a", seconds(5));
  clock.advance(seconds(5));
  EXPECT_EQ(q.try_get(), std::nullopt);
  q.done("ns/a");
  EXPECT_EQ(q.try_get(), "ns/a");
}

TEST(WorkQueue, MetricsTrackTheLongestRunningKey) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.add("ns/a");
  q.add("ns/b");
  ASSERT_EQ(q.try_get(), "ns/a");
  clock.advance(seconds(7));
  ASSERT_EQ(q.try_get(), "ns/b");
  clock.advance(seconds(3));
  EXPECT_EQ(q.metrics().longest_running, seconds(10));
  q.done("ns/a");
  EXPECT_EQ(q.metrics().longest_running, seconds(3));
  q.done("ns/b");
  EXPECT_EQ(q.metrics().longest_running, seconds(0));
}

TEST(WorkQueue, ReportsHowLongEachKeyWaitedForAWorker) {
  ManualClock clock(kStart);
  std::vector<Duration> waits;
  WorkQueueOptions options;
  options.on_handed_out = [&waits](Duration waited) { waits.push_back(waited); };
  WorkQueue q(clock, options);
  q.add("ns/a");
  clock.advance(seconds(4));
  q.add("ns/a");  // already waiting: the first add is what counts
  ASSERT_EQ(q.try_get(), "ns/a");
  // Delayed: from when it fell due, not from add_after().
  q.add_after("ns/b", seconds(10));
  clock.advance(seconds(12));
  ASSERT_EQ(q.try_get(), "ns/b");
  // Added while processing: from that add, though it is ready only after done().
  q.add("ns/a");
  clock.advance(seconds(1));
  q.done("ns/a");
  ASSERT_EQ(q.try_get(), "ns/a");
  EXPECT_EQ(waits, (std::vector<Duration>{seconds(4), seconds(2), seconds(1)}));
}

// --- WorkQueue: delayed keys -------------------------------------------------------------

TEST(WorkQueue, DelayedKeysBecomeReadyInTimeOrder) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.add_at("ns/b", kStart + seconds(2));
  q.add_after("ns/a", seconds(1));
  q.add("ns/c");
  EXPECT_EQ(q.metrics().delayed, 2u);
  EXPECT_EQ(q.try_get(), "ns/c");
  EXPECT_EQ(q.try_get(), std::nullopt);
  clock.advance(seconds(1) - nanoseconds(1));
  EXPECT_EQ(q.try_get(), std::nullopt);
  clock.advance(nanoseconds(1));
  EXPECT_EQ(q.try_get(), "ns/a");
  clock.advance(seconds(1));
  EXPECT_EQ(q.try_get(), "ns/b");
  EXPECT_EQ(q.metrics().delayed, 0u);
}

TEST(WorkQueue, ADelayedKeyBecomesReadyExactlyWhenTheClockPassesItsDueTime) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.add_at("ns/a", kStart + hours(1));
  EXPECT_EQ(clock.next_timer(), kStart + hours(1));
  clock.advance(hours(1) - nanoseconds(1));
  EXPECT_EQ(q.metrics().depth, 0u);
  EXPECT_EQ(q.metrics().delayed, 1u);
  clock.advance(nanoseconds(1));
  // Ready inside advance(), before anyone asks the queue.
  EXPECT_EQ(q.metrics().depth, 1u);
  EXPECT_EQ(q.metrics().delayed, 0u);
  EXPECT_EQ(clock.pending_timers(), 0u) << "nothing left to wait for";
  EXPECT_EQ(q.try_get(), "ns/a");
}

TEST(WorkQueue, ABlockedGetWakesWhenTheClockPassesTheDueTime) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.add_at("ns/a", kStart + hours(1));  // e.g. the next rotation time
  auto got = std::async(std::launch::async, [&] { return q.get(); });
  ShutdownOnExit guard{q};
  ASSERT_TRUE(eventually([&] { return q.metrics().idle_workers == 1; }));
  clock.advance(hours(1) - nanoseconds(1));
  EXPECT_EQ(q.metrics().idle_workers, 1u) << "the key came out early";
  clock.advance(nanoseconds(1));
  ASSERT_EQ(got.wait_for(kGuard), std::future_status::ready);
  EXPECT_EQ(got.get(), "ns/a");
}

TEST(WorkQueue, OneClockTimerFollowsTheEarliestKey) {
  ManualClock clock(kStart);
  {
    WorkQueue q(clock);
    q.add_after("ns/b", hours(2));
    q.add_after("ns/a", hours(1));  // earlier: the timer for ns/b is replaced
    q.add_after("ns/c", hours(3));  // later: the armed timer stays
    EXPECT_EQ(clock.pending_timers(), 1u);
    EXPECT_EQ(clock.next_timer(), kStart + hours(1));
    clock.advance(hours(1));
    EXPECT_EQ(clock.next_timer(), kStart + hours(2)) << "re-armed for the next key";
    // A timer that finds its key gone (add() now) finds nothing due and re-arms.
    q.add("ns/b");
    clock.advance(hours(1));
    EXPECT_EQ(clock.next_timer(), kStart + hours(3));
    EXPECT_EQ(q.metrics().depth, 2u);
  }
  EXPECT_EQ(clock.pending_timers(), 0u) << "the queue's destructor cancels its timer";
}

TEST(WorkQueue, WithTheSystemClockADelayedKeyComesOutByItself) {
  SystemClock clock;
  WorkQueue q(clock);
  q.add_after("ns/a", milliseconds(1));
  auto got = std::async(std::launch::async, [&] { return q.get(); });
  ShutdownOnExit guard{q};
  ASSERT_EQ(got.wait_for(kGuard), std::future_status::ready);
  EXPECT_EQ(got.get(), "ns/a");
}

TEST(WorkQueue, TheEarlierScheduleWins) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.add_after("ns/a", seconds(10));
  q.add_after("ns/a", seconds(5));
  q.add_after("ns/a", seconds(20));
  EXPECT_EQ(q.metrics().delayed, 1u);
  clock.advance(seconds(5));
  ASSERT_EQ(q.try_get(), "ns/a");
  q.done("ns/a");
  clock.advance(seconds(15));
  EXPECT_EQ(q.try_get(), std::nullopt) << "the later schedules were dropped";
}

TEST(WorkQueue, AddingNowSupersedesALaterSchedule) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.add_after("ns/a", seconds(10));
  q.add("ns/a");
  EXPECT_EQ(q.metrics().delayed, 0u);
  ASSERT_EQ(q.try_get(), "ns/a");
  q.done("ns/a");
  clock.advance(seconds(10));
  EXPECT_EQ(q.try_get(), std::nullopt);
  // And the other way round: a key already ready ignores a later schedule.
  q.add("ns/b");
  q.add_after("ns/b", seconds(5));
  EXPECT_EQ(q.metrics().delayed, 0u);
  ASSERT_EQ(q.try_get(), "ns/b");
  q.done("ns/b");
  // Superseded schedules must not pile up in the timer heap.
  for (int i = 0; i < 1000; ++i) {
    q.add_after("ns/a", hours(1));  // reconcile asks for the next rotation...
    q.add("ns/a");                  // ...a watch event cancels it
    ASSERT_EQ(q.try_get(), "ns/a");
    q.done("ns/a");
  }
  q.add_after("ns/a", hours(1));
  EXPECT_LE(q.metrics().timer_entries, 64u);
  clock.advance(hours(1));
  EXPECT_EQ(q.try_get(), "ns/a");
  EXPECT_EQ(q.try_get(), std::nullopt);
}

TEST(WorkQueue, RateLimitedRequeuesBackOffUpToTheCapAndForgetResets) {
  ManualClock clock(kStart);
  WorkQueueOptions options;  // base 1 s, factor 2
  options.backoff.cap = seconds(8);
  WorkQueue q(clock, options);
  for (const auto expected : {1, 2, 4, 8, 8}) {
    const Duration d = q.add_rate_limited("ns/a");
    EXPECT_EQ(d, seconds(expected));
    clock.advance(d - nanoseconds(1));
    EXPECT_EQ(q.try_get(), std::nullopt);
    clock.advance(nanoseconds(1));
    ASSERT_EQ(q.try_get(), "ns/a");
    q.done("ns/a");
  }
  EXPECT_EQ(q.num_requeues("ns/a"), 5u);
  EXPECT_EQ(q.metrics().retries, 5u);
  q.forget("ns/a");
  EXPECT_EQ(q.num_requeues("ns/a"), 0u);
  EXPECT_EQ(q.add_rate_limited("ns/a"), seconds(1));
}

// --- WorkQueue: shutdown -----------------------------------------------------------------

TEST(WorkQueue, ShutdownUnblocksEveryGetAndCancelsTheTimer) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.add_after("ns/far", hours(1));
  std::vector<std::future<std::optional<std::string>>> getters;
  for (int i = 0; i < 3; ++i)
    getters.push_back(std::async(std::launch::async, [&] { return q.get(); }));
  ShutdownOnExit guard{q};
  ASSERT_TRUE(eventually([&] { return q.metrics().idle_workers == 3; }));
  q.shutdown();
  EXPECT_EQ(clock.pending_timers(), 0u);
  for (auto& g : getters) {
    ASSERT_EQ(g.wait_for(kGuard), std::future_status::ready);
    EXPECT_EQ(g.get(), std::nullopt);
  }
  q.add("ns/a");
  EXPECT_EQ(q.get(), std::nullopt) << "adds after shutdown are ignored";
  EXPECT_TRUE(q.shutting_down());
}

TEST(WorkQueue, ShutdownWithDrainFinishesReadyKeysOnly) {
  SystemClock clock;
  WorkQueue q(clock);
  q.add("ns/a");
  q.add("ns/b");
  q.add_after("ns/later", hours(1));
  std::vector<std::string> seen;
  std::thread worker([&] {
    while (auto key = q.get()) {
      seen.push_back(*key);
      q.done(*key);
    }
  });
  EXPECT_TRUE(q.shutdown_with_drain(kGuard));
  worker.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"ns/a", "ns/b"}));
}

// --- WorkerPool --------------------------------------------------------------------------

// Two workers over a ManualClock queue (backoff 1 s, 2 s, ...).
struct PoolFixture {
  explicit PoolFixture(WorkerPool::Reconcile reconcile) : q(clock), pool(q, 2, reconcile) {
    pool.start();
  }
  void advance(Duration d) { clock.advance(d); }
  // The reconcile ran `expected_calls` times and its result has been applied.
  bool settled(int expected_calls) {
    return eventually([&] { return calls.load() == expected_calls && q.metrics().in_flight == 0; });
  }
  ManualClock clock{kStart};
  std::atomic<int> calls{0};
  WorkQueue q;
  WorkerPool pool;
};

TEST(WorkerPool, RequeueAfterSchedulesTheKeyAndSuccessDoesNot) {
  PoolFixture f([&f](const std::string&) {
    const int n = ++f.calls;  // 2: both requeue_after and requeue_at, the earlier applies
    return n == 1   ? Result::after(seconds(30))
           : n == 2 ? Result{seconds(60), kStart + seconds(40), false}
                    : Result::ok();
  });
  f.q.add("ns/a");
  ASSERT_TRUE(f.settled(1));
  EXPECT_EQ(f.q.metrics().delayed, 1u);
  f.advance(seconds(30));
  ASSERT_TRUE(f.settled(2));
  f.advance(seconds(10));
  ASSERT_TRUE(f.settled(3));
  EXPECT_EQ(f.q.metrics().delayed, 0u);
  EXPECT_EQ(f.q.num_requeues("ns/a"), 0u);
}

TEST(WorkerPool, ErrorsAndExceptionsBackOffAndSuccessForgets) {
  PoolFixture f([&f](const std::string&) -> Result {
    const int n = ++f.calls;
    if (n == 1) return Result::failed();
    if (n == 2) throw std::runtime_error("boom, with a secret that must not be logged");
    return Result::ok();
  });
  f.q.add("ns/a");
  ASSERT_TRUE(f.settled(1));
  EXPECT_EQ(f.q.num_requeues("ns/a"), 1u);
  f.advance(seconds(1));
  ASSERT_TRUE(f.settled(2));
  EXPECT_EQ(f.q.num_requeues("ns/a"), 2u);
  EXPECT_EQ(f.q.metrics().delayed, 1u);
  f.advance(seconds(1));
  EXPECT_EQ(f.q.metrics().depth, 0u) << "the second retry waits 2 s, not 1 s";
  EXPECT_EQ(f.calls.load(), 2);
  f.advance(seconds(1));
  ASSERT_TRUE(f.settled(3));
  EXPECT_EQ(f.q.num_requeues("ns/a"), 0u);
  EXPECT_EQ(f.q.metrics().delayed, 0u);
  const auto m = f.pool.metrics();
  EXPECT_EQ(m.reconciles, 3u);
  EXPECT_EQ(m.errors, 2u);
  EXPECT_EQ(m.exceptions, 1u);
}

// Four workers, two producers, eight keys. Each add is preceded by bumping the key's
// version; a reconcile records the version it saw when it started. Then: no key ever has two
// workers (in-flight counter), and no add is lost (each key's last run saw its last add).
TEST(WorkerPool, FourWorkersNeverShareAKeyAndLoseNoAdd) {
  constexpr int kKeys = 8;
  SystemClock clock;
  WorkQueue q(clock);
  std::array<std::atomic<int>, kKeys> in_flight{}, version{}, seen{};
  std::atomic<int> overlaps{0}, calls{0};
  auto key_of = [](int i) { return "ns/k" + std::to_string(i); };
  WorkerPool pool(q, 4, [&](const std::string& key) {
    const int i = std::stoi(key.substr(4));
    if (in_flight[i].fetch_add(1) != 0) ++overlaps;
    seen[i].store(version[i].load());
    std::this_thread::yield();  // widen the window in which a second worker could enter
    in_flight[i].fetch_sub(1);
    // Now and then an immediate requeue, which goes through the dirty path.
    return ++calls % 5 == 0 ? Result::after(Duration::zero()) : Result::ok();
  });
  pool.start();
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p)
    producers.emplace_back([&, p] {
      for (int n = 0; n < 20000; ++n) {
        const int i = (n * 7 + p) % kKeys;
        version[i].fetch_add(1);
        q.add(key_of(i));
      }
    });
  for (auto& t : producers) t.join();
  EXPECT_TRUE(pool.stop_after_drain(kGuard));
  EXPECT_FALSE(pool.running());
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GT(calls.load(), 0);
  for (int i = 0; i < kKeys; ++i) EXPECT_EQ(seen[i].load(), version[i].load()) << key_of(i);
}

TEST(WorkerPool, StopJoinsIdleWorkersAndWaitsForARunningReconcile) {
  SystemClock clock;
  WorkQueue q(clock);
  std::promise<void> entered;
  std::atomic<bool> release{false}, finished{false};
  WorkerPool pool(q, 4, [&](const std::string&) {
    entered.set_value();
    while (!release) std::this_thread::sleep_for(milliseconds(1));
    finished = true;
    return Result::after(hours(1));
  });
  q.add_after("ns/far", hours(2));  // a clock timer is armed for this
  pool.start();
  EXPECT_TRUE(pool.running());
  q.add("ns/a");
  ASSERT_EQ(entered.get_future().wait_for(kGuard), std::future_status::ready);
  auto stopped = std::async(std::launch::async, [&] { pool.stop(); });
  EXPECT_EQ(stopped.wait_for(milliseconds(20)), std::future_status::timeout)
      << "stop() must wait for the running reconcile";
  release = true;
  ASSERT_EQ(stopped.wait_for(kGuard), std::future_status::ready);
  EXPECT_TRUE(finished.load());
  EXPECT_FALSE(pool.running());
  EXPECT_THROW(pool.start(), std::logic_error);
  pool.stop();  // idempotent
}

// Reconciles that count themselves in and then hold their worker until release().
struct HeldReconciles {
  WorkerPool::Reconcile reconcile() {
    return [this](const std::string&) {
      ++running;
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return released; });
      return Result::ok();
    };
  }
  void release() {
    {
      std::lock_guard lock(mu);
      released = true;
    }
    cv.notify_all();
  }
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  std::atomic<int> running{0};
};

TEST(WorkerPool, GrowsWhileKeysWaitAndEveryThreadIsBusyUpToItsMaximum) {
  ManualClock clock{kStart};
  WorkQueue q(clock);
  HeldReconciles held;
  std::atomic<int>& running = held.running;
  WorkerPool pool(q, 1, held.reconcile(), 3);
  pool.start();
  EXPECT_EQ(pool.threads(), 1u);
  for (int i = 0; i < 6; ++i) q.add("ns/k" + std::to_string(i));
  // Each busy thread that finds keys waiting and no free thread starts one more, up to 3.
  ASSERT_TRUE(eventually([&] { return running.load() == 3; }));
  EXPECT_EQ(pool.threads(), 3u);
  EXPECT_EQ(q.metrics().depth, 3u);
  held.release();
  ASSERT_TRUE(eventually([&] { return running.load() == 6 && q.metrics().in_flight == 0; }));
  EXPECT_EQ(pool.threads(), 3u);  // never beyond the maximum
  pool.stop();
  EXPECT_EQ(pool.threads(), 0u);
}

TEST(WorkerPool, WithoutAMaximumItKeepsItsSize) {
  ManualClock clock{kStart};
  WorkQueue q(clock);
  std::atomic<int> calls{0};
  WorkerPool pool(q, 2, [&](const std::string&) {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return Result::ok();
  });
  pool.start();
  for (int i = 0; i < 20; ++i) q.add("ns/k" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return calls.load() == 20; }));
  EXPECT_EQ(pool.threads(), 2u);
}

TEST(WorkerPool, DoesNotGrowWhenItsVetoSaysNo) {
  ManualClock clock{kStart};
  WorkQueue q(clock);
  HeldReconciles held;
  std::atomic<int>& running = held.running;
  std::atomic<std::size_t> asked_with{0};
  WorkerPool pool(q, 1, held.reconcile(), 4, [&](std::size_t threads) {
    asked_with = threads;
    return threads < 2;  // one more, then no
  });
  pool.start();
  for (int i = 0; i < 6; ++i) q.add("ns/k" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return running.load() == 2; }));
  ASSERT_TRUE(eventually([&] { return asked_with.load() == 2; }));  // asked again, refused
  EXPECT_EQ(pool.threads(), 2u);
  held.release();
  ASSERT_TRUE(eventually([&] { return running.load() == 6 && q.metrics().in_flight == 0; }));
  EXPECT_EQ(pool.threads(), 2u);
}

}  // namespace
}  // namespace rotor::runtime
