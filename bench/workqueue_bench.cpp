// Work queue figures: add / get+done throughput for 100k keys with 1, 2 and 4 workers, the
// cost of delayed keys, and heap bytes per queued key. Prints numbers, asserts nothing.
// Build it optimised (-DCMAKE_BUILD_TYPE=Release) for figures that mean anything.
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "runtime/workqueue.hpp"
#include "util/clock.hpp"

using rotor::ManualClock;
using rotor::SystemClock;
using rotor::TimePoint;
using rotor::runtime::WorkQueue;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr int kKeys = 100000;

// Realistic key lengths: "kind/namespace/name" is well past the small-string buffer.
std::vector<std::string> make_keys() {
  std::vector<std::string> keys;
  keys.reserve(kKeys);
  for (int i = 0; i < kKeys; ++i) {
    keys.push_back("RotatedSecret/team-" + std::to_string(i % 50) + "/db-password-" +
                   std::to_string(i));
  }
  return keys;
}

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

// A yardstick for a shared or loaded machine: the queue does about three hash-set operations
// and a few allocations per key, so its figures are best read against this one.
void bench_baseline(const std::vector<std::string>& keys) {
  std::unordered_set<std::string> set;
  const auto t0 = SteadyClock::now();
  for (const auto& k : keys) set.insert(k);
  std::printf("baseline  std::unordered_set<std::string>::insert %6.2f M/s\n",
              kKeys / seconds_since(t0) / 1e6);
}

void drain_with_workers(WorkQueue& q, int workers) {
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&q] {
      while (auto key = q.get()) q.done(*key);
    });
  }
  q.shutdown_with_drain(std::chrono::minutes(5));
  for (auto& t : threads) t.join();
}

// Everything queued first, then N workers take it: the get/done path alone.
void bench_batch(const std::vector<std::string>& keys, int workers) {
  SystemClock clock;
  WorkQueue q(clock);
  const auto t0 = SteadyClock::now();
  for (const auto& k : keys) q.add(k);
  const double add_s = seconds_since(t0);
  for (const auto& k : keys) q.add(k);  // all duplicates now
  const double dup_s = seconds_since(t0) - add_s;
  const auto t1 = SteadyClock::now();
  drain_with_workers(q, workers);
  const double drain_s = seconds_since(t1);
  std::printf("batch     workers=%d  add %6.2f M/s  dup-add %6.2f M/s  get+done %6.2f M/s\n",
              workers, kKeys / add_s / 1e6, kKeys / dup_s / 1e6, kKeys / drain_s / 1e6);
}

// One producer adding while N workers consume: the contended path, with handoffs.
void bench_streaming(const std::vector<std::string>& keys, int workers) {
  SystemClock clock;
  WorkQueue q(clock);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&q] {
      while (auto key = q.get()) q.done(*key);
    });
  }
  const auto t0 = SteadyClock::now();
  for (const auto& k : keys) q.add(k);
  q.shutdown_with_drain(std::chrono::minutes(5));
  const double total_s = seconds_since(t0);
  for (auto& t : threads) t.join();
  const auto m = q.metrics();
  std::printf("streaming workers=%d  add->done %6.2f M keys/s  (completions %llu)\n", workers,
              kKeys / total_s / 1e6, static_cast<unsigned long long>(m.completions));
}

// Delayed keys: scheduling into the heap, then promotion when the clock passes them.
void bench_delayed(const std::vector<std::string>& keys) {
  const TimePoint start{std::chrono::hours(24 * 365 * 56)};
  ManualClock clock(start);
  WorkQueue q(clock);
  const auto t0 = SteadyClock::now();
  for (int i = 0; i < kKeys; ++i) q.add_after(keys[i], std::chrono::seconds(1 + (i * 7919) % 3600));
  const double add_s = seconds_since(t0);
  const auto t1 = SteadyClock::now();
  clock.advance(std::chrono::hours(2));  // the queue's timer promotes them here
  int n = 0;
  while (auto key = q.try_get()) {
    q.done(*key);
    ++n;
  }
  const double get_s = seconds_since(t1);
  std::printf("delayed   add_after %6.2f M/s  promote+get+done %6.2f M/s  (%d keys)\n",
              kKeys / add_s / 1e6, n / get_s / 1e6, n);
}

void bench_memory(const std::vector<std::string>& keys) {
  SystemClock clock;
  {
    WorkQueue q(clock);
    const std::size_t before = heap_in_use();
    for (const auto& k : keys) q.add(k);
    const std::size_t after = heap_in_use();
    std::printf("memory    ready key:   %5.0f bytes/key (key length ~%zu)\n",
                static_cast<double>(after - before) / kKeys, keys[kKeys / 2].size());
  }
  {
    WorkQueue q(clock);
    const std::size_t before = heap_in_use();
    for (const auto& k : keys) q.add_after(k, std::chrono::hours(1));
    const std::size_t after = heap_in_use();
    std::printf("memory    delayed key: %5.0f bytes/key\n",
                static_cast<double>(after - before) / kKeys);
  }
  {
    WorkQueue q(clock);
    const std::size_t before = heap_in_use();
    for (const auto& k : keys) q.add_rate_limited(k);
    const std::size_t after = heap_in_use();
    std::printf("memory    rate-limited key (delayed + backoff entry): %5.0f bytes/key\n",
                static_cast<double>(after - before) / kKeys);
  }
}

}  // namespace

int main() {
  const auto keys = make_keys();
  std::printf("work queue, %d distinct keys, %u hardware threads\n", kKeys,
              std::thread::hardware_concurrency());
  bench_baseline(keys);
  for (const int workers : {1, 2, 4}) bench_batch(keys, workers);
  for (const int workers : {1, 2, 4}) bench_streaming(keys, workers);
  bench_delayed(keys);
  bench_memory(keys);
  return 0;
}
