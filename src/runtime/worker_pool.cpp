#include "runtime/worker_pool.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <utility>

#include "util/log.hpp"

namespace rotor::runtime {

WorkerPool::WorkerPool(WorkQueue& queue, std::size_t workers, Reconcile reconcile,
                       std::size_t max_workers, std::function<bool(std::size_t)> may_grow)
    : queue_(queue),
      workers_(workers),
      max_workers_(std::max(workers, max_workers)),
      reconcile_(std::move(reconcile)),
      may_grow_(std::move(may_grow)) {
  if (workers_ == 0) throw std::invalid_argument("worker pool: need at least one worker");
  if (!reconcile_) throw std::invalid_argument("worker pool: empty reconcile function");
}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::start() {
  std::lock_guard lock(life_mu_);
  if (started_ || stopped_) throw std::logic_error("worker pool: start() after start or stop");
  started_ = true;
  std::lock_guard threads_lock(threads_mu_);
  threads_.reserve(max_workers_);
  for (std::size_t i = 0; i < workers_; ++i) threads_.emplace_back([this] { run(); });
}

void WorkerPool::stop() {
  std::lock_guard lock(life_mu_);
  // Shut the queue even if never started, so that the life cycle ends the same way.
  queue_.shutdown();
  join_all();
  stopped_ = true;
}

bool WorkerPool::stop_after_drain(std::chrono::steady_clock::duration timeout) {
  std::lock_guard lock(life_mu_);
  const bool drained = queue_.shutdown_with_drain(timeout);
  join_all();
  stopped_ = true;
  return drained;
}

void WorkerPool::join_all() {
  // The queue is shut down: no worker takes another key, so none grows the pool after this.
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(threads_mu_);
    closing_ = true;
    threads.swap(threads_);
  }
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
}

std::size_t WorkerPool::threads() const {
  std::lock_guard lock(threads_mu_);
  return threads_.size();
}

void WorkerPool::grow_if_all_busy() {
  if (max_workers_ == workers_) return;
  const auto m = queue_.metrics();
  if (m.depth == 0 || m.idle_workers > 0) return;
  std::lock_guard lock(threads_mu_);
  if (closing_ || threads_.size() >= max_workers_) return;
  if (may_grow_ && !may_grow_(threads_.size())) return;
  threads_.emplace_back([this] { run(); });
}

bool WorkerPool::running() const {
  std::lock_guard lock(life_mu_);
  return started_ && !stopped_;
}

WorkerPoolMetrics WorkerPool::metrics() const {
  return WorkerPoolMetrics{reconciles_.load(), errors_.load(), exceptions_.load()};
}

void WorkerPool::run() {
  while (auto key = queue_.get()) {
    grow_if_all_busy();
    process(*key);
  }
}

void WorkerPool::process(const std::string& key) {
  ++reconciles_;
  Result result;
  try {
    result = reconcile_(key);
  } catch (...) {
    // The message is not logged: exceptions from cloud calls can carry response bodies,
    // and a response body can carry a password. The key says where to look.
    ++exceptions_;
    default_logger().warn("reconcile threw; retrying with backoff", {{"key", key}});
    result = Result::failed();
  }

  // The result is applied before done(): the key is still "processing", so a requeue due
  // at once marks it dirty and done() re-queues it, rather than a second worker taking it.
  if (result.error) {
    ++errors_;
    const Duration delay = queue_.add_rate_limited(key);
    default_logger().debug(
        "reconcile failed; requeued with backoff",
        {{"key", key},
         {"delay_ms",
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count())},
         {"failures", std::to_string(queue_.num_requeues(key))}});
  } else {
    queue_.forget(key);
    if (result.requeue_after) queue_.add_after(key, *result.requeue_after);
    if (result.requeue_at) queue_.add_at(key, *result.requeue_at);
  }
  queue_.done(key);
}

}  // namespace rotor::runtime
