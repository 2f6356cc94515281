#pragma once
// Threads that drain a WorkQueue through a reconcile function, applying its Result the way
// controller-runtime does: an error retries with per-key backoff, a requested requeue
// schedules the key (and resets its backoff), success just resets its backoff.
//
// The pool starts `workers` threads and grows, up to `max_workers`, while keys are ready and
// no thread is free to take them: reconciles spend their time waiting (on the apiserver, on
// the cloud, on their account's turn to call it, cloud/paced_api.hpp), so how many run at once
// follows what the cloud lets through rather than a fixed count. Threads it added stay until
// stop(); they cost a stack each while they wait.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/workqueue.hpp"
#include "util/clock.hpp"

namespace rotor::runtime {

struct Result {
  // Reconcile again after this long / at this time (e.g. the next rotation). With both
  // set, the earlier applies (the queue keeps the earlier schedule).
  std::optional<Duration> requeue_after;
  std::optional<TimePoint> requeue_at;
  // Failed: retry with the key's backoff; requeue_* are ignored. The reconciler logs the
  // details itself, since only it knows which parts are safe to log.
  bool error = false;

  static Result ok() { return {}; }
  static Result after(Duration d) { return Result{d, std::nullopt, false}; }
  static Result at(TimePoint t) { return Result{std::nullopt, t, false}; }
  static Result failed() { return Result{std::nullopt, std::nullopt, true}; }
};

struct WorkerPoolMetrics {
  std::uint64_t reconciles = 0;  // calls made
  std::uint64_t errors = 0;      // failed, including exceptions
  std::uint64_t exceptions = 0;  // threw
};

class WorkerPool {
 public:
  using Reconcile = std::function<Result(const std::string& key)>;

  // `queue` must outlive the pool. `max_workers` below `workers` means `workers` (no growth).
  // Throws std::invalid_argument for 0 workers or an empty reconcile. No thread runs before
  // start().
  // `may_grow(threads)`, when given, must also agree before a thread is added: the operator
  // says no while half the threads wait for their account's turn to call the cloud, which
  // more threads would not hasten (they would only queue more turns).
  WorkerPool(WorkQueue& queue, std::size_t workers, Reconcile reconcile,
             std::size_t max_workers = 0, std::function<bool(std::size_t threads)> may_grow = {});
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts the threads. Once only: a stopped pool has shut its queue down and cannot be
  // restarted (throws std::logic_error).
  void start();
  // Shuts the queue down and joins: reconciles in progress finish, nothing new starts.
  // Idempotent; must not be called from inside a reconcile (it would join itself).
  void stop();
  // Like stop(), but first lets the workers finish every key already ready, for at most
  // `timeout`; returns whether they did.
  bool stop_after_drain(std::chrono::steady_clock::duration timeout);

  bool running() const;
  WorkerPoolMetrics metrics() const;
  std::size_t threads() const;  // started so far

 private:
  void run();
  void process(const std::string& key);
  void grow_if_all_busy();
  void join_all();

  WorkQueue& queue_;
  const std::size_t workers_;
  const std::size_t max_workers_;
  const Reconcile reconcile_;
  const std::function<bool(std::size_t)> may_grow_;

  mutable std::mutex life_mu_;  // start/stop against each other, not against the workers
  bool started_ = false;
  bool stopped_ = false;
  mutable std::mutex threads_mu_;  // threads_ and closing_: workers grow the pool
  bool closing_ = false;
  std::vector<std::thread> threads_;

  std::atomic<std::uint64_t> reconciles_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> exceptions_{0};
};

}  // namespace rotor::runtime
