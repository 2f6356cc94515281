#pragma once
// The controller's work queue, after client-go's workqueue (dedup, dirty/processing sets,
// rate limiting) and kube-rs's scheduler (one pending schedule per key, the earliest wins).
//
// Keys are object references ("namespace/name" or "kind/namespace/name"), never objects: the
// reconciler reads the current state itself, so collapsing ten events for a key into one
// reconcile is correct and is the point of the queue.
//
// A key's life:  add / add_at / add_rate_limited  ->  [delayed]  ->  ready  ->  get()
//                -> processing  ->  done()  ->  (gone, or ready again if re-added meanwhile)
// Guarantees:
//  * a key is ready at most once (dedup);
//  * a key is never handed to two workers at once: an add during processing marks it dirty
//    and done() puts it back, so the change that triggered the add is not lost;
//  * a key has at most one delayed schedule; a second one keeps the earlier time, and a
//    plain add() ("now") cancels any later schedule. A delayed add of a key that is already
//    ready (or dirty) is dropped: a reconcile is pending sooner and will schedule again.
//
// Time. "Now" always comes from the injected Clock, and so does waiting: the queue keeps one
// clock timer armed for its earliest delayed key; when it fires, the due keys become ready
// and the timer is armed for the next one. Idle workers wait untimed, and only as many are
// woken as there are ready keys; an idle queue with nothing delayed never wakes up. So a key
// scheduled at the next rotation time is due when the Clock says so: the SystemClock's timer
// thread fires at wall-clock time, and a test's ManualClock makes keys ready inside
// advance(), with no sleeping and no nudging of the queue.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/backoff.hpp"
#include "util/clock.hpp"

namespace rotor::runtime {

struct WorkQueueOptions {
  BackoffOptions backoff;
  Backoff::UnitRandom random;  // jitter source; empty: a seeded PRNG (see Backoff)
  // Told, outside the queue's lock, how long each key handed out waited since it was added
  // (for a delayed key: since it fell due), by the queue's clock. For a latency metric.
  std::function<void(Duration waited)> on_handed_out;
};

// A snapshot for a metrics exporter (names after client-go's workqueue metrics).
struct WorkQueueMetrics {
  std::size_t depth = 0;          // ready keys waiting for a worker
  std::size_t delayed = 0;        // keys scheduled for later
  std::size_t in_flight = 0;      // keys between get() and done()
  std::uint64_t adds = 0;         // times a key became ready (dedup'd adds do not count)
  std::uint64_t retries = 0;      // add_rate_limited() calls
  std::uint64_t completions = 0;  // done() calls
  Duration longest_running{};     // age of the oldest in-flight key, by the queue's clock
  std::size_t timer_entries = 0;  // delay-heap size incl. superseded entries (memory)
  std::size_t idle_workers = 0;   // get() calls waiting for a key
};

class WorkQueue {
 public:
  // `clock` must outlive the queue.
  explicit WorkQueue(const Clock& clock, WorkQueueOptions options = {});
  ~WorkQueue();  // as shutdown(); no thread may be using the queue
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // After shutdown every add is ignored.
  void add(const std::string& key);
  void add_after(const std::string& key, Duration delay);  // delay <= 0 is add()
  void add_at(const std::string& key, TimePoint when);     // when <= now is add()
  // add_after(key, the key's next backoff delay); returns that delay.
  Duration add_rate_limited(const std::string& key);
  // Resets the key's backoff (after a success); does not unschedule it.
  void forget(const std::string& key);
  std::uint32_t num_requeues(const std::string& key) const;

  // Blocks until a key is ready and hands it out, now "processing"; the caller must call
  // done(key). std::nullopt once the queue is shut down (when draining: once drained).
  std::optional<std::string> get();
  // get() without blocking: std::nullopt if nothing is ready right now.
  std::optional<std::string> try_get();
  // Ends processing of `key`; if it was added meanwhile it becomes ready again.
  void done(const std::string& key);

  // Stops the queue at once: get() returns std::nullopt in every thread, ready and delayed
  // keys are dropped. In-flight keys still finish with done(). Idempotent.
  void shutdown();
  // Refuses new adds and drops delayed keys, but keeps handing out the keys already ready
  // (including dirty ones re-queued by done()) until none is ready or in flight; then
  // shuts down. Needs workers to keep calling get()/done(). Waits at most `timeout` (real
  // time); returns whether the queue drained. Then as shutdown().
  bool shutdown_with_drain(std::chrono::steady_clock::duration timeout);
  bool shutting_down() const;

  WorkQueueMetrics metrics() const;

 private:
  struct Timer {
    TimePoint due;
    std::uint64_t seq;  // FIFO among equal due times
    std::string key;
  };
  struct Later {  // heap order: the earliest timer on top
    bool operator()(const Timer& a, const Timer& b) const {
      return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
  };

  // All *_locked members need mu_ held. Those returning a TimerHandle return a clock timer
  // superseded meanwhile, which the caller cancels after releasing mu_ (cancel() waits for
  // a running on_timer(), which takes mu_).
  bool add_locked(const std::string& key, TimePoint added_at);
  [[nodiscard]] TimerHandle add_at_locked(const std::string& key, TimePoint when, TimePoint now);
  void promote_due_locked(TimePoint now);
  std::string pop_ready_locked(TimePoint now, Duration& waited);
  void report_wait(Duration waited) const;
  void wake_one_locked();
  void compact_timers_locked();
  [[nodiscard]] TimerHandle arm_locked();
  [[nodiscard]] TimerHandle disarm_locked();
  void on_timer(std::uint64_t arming);

  const Clock& clock_;
  Backoff backoff_;
  const std::function<void(Duration)> on_handed_out_;

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;   // idle workers, untimed
  std::condition_variable drain_cv_;  // shutdown_with_drain() waiting for the last done()
  std::size_t idle_ = 0;
  bool shutting_down_ = false;
  bool draining_ = false;

  std::deque<std::string> ready_;  // FIFO of ready keys
  // Ready, or to re-queue on done(); with when it was added (for on_handed_out).
  std::unordered_map<std::string, TimePoint> dirty_;
  std::unordered_map<std::string, TimePoint> processing_;  // key -> when get() handed it out
  std::unordered_map<std::string, TimePoint> waiting_;     // delayed key -> its one due time
  std::vector<Timer> timers_;  // heap; entries not matching waiting_ are stale, skipped
  std::uint64_t next_seq_ = 0;
  // The one armed clock timer: fires at armed_due_; on_timer() ignores a firing whose
  // arming number is no longer armed_seq_ (superseded, cancel pending).
  TimerHandle armed_;
  TimePoint armed_due_ = TimePoint::max();
  std::uint64_t armed_seq_ = 0;

  std::uint64_t adds_ = 0;
  std::uint64_t retries_ = 0;
  std::uint64_t completions_ = 0;
};

}  // namespace rotor::runtime
