#pragma once
// Per-key exponential backoff for failed reconciles, like client-go's
// ItemExponentialFailureRateLimiter: the n-th consecutive failure of a key waits
// base * factor^(n-1), never more than cap. With jitter on, the wait is drawn uniformly from
// [0, that) ("full jitter"), which spreads out keys that failed together (e.g. when the cloud
// API was down for everybody) so that they do not all retry in the same instant.
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "util/clock.hpp"

namespace rotor::runtime {

struct BackoffOptions {
  Duration base = std::chrono::seconds(1);
  Duration cap = std::chrono::minutes(5);
  double factor = 2.0;
  bool jitter = false;
};

// Thread-safe: the work queue calls it from every worker, and nothing here calls out while
// holding the lock except the injected jitter source.
class Backoff {
 public:
  // Returns a number uniformly distributed in [0, 1). Injected so that tests are exact.
  using UnitRandom = std::function<double()>;

  // Throws std::invalid_argument unless 0 < base <= cap and factor >= 1. `random` is used
  // only with options.jitter; when empty a privately seeded std::mt19937_64 is used.
  explicit Backoff(BackoffOptions options = {}, UnitRandom random = {});

  // The delay before the next attempt of `key`; counts one more failure of it.
  Duration next(const std::string& key);
  // The key succeeded (or was deleted): its next failure starts again at base.
  void forget(const std::string& key);
  // Consecutive failures recorded for `key` (client-go's NumRequeues).
  std::uint32_t failures(const std::string& key) const;
  // Keys with a failure count, i.e. the memory the backoff holds.
  std::size_t tracked() const;

  const BackoffOptions& options() const { return options_; }

 private:
  Duration delay_for(std::uint32_t failures) const;

  const BackoffOptions options_;
  UnitRandom random_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::uint32_t> failures_;
};

}  // namespace rotor::runtime
