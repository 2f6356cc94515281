#include "runtime/backoff.hpp"

#include <cmath>
#include <memory>
#include <random>
#include <stdexcept>

namespace rotor::runtime {
namespace {

Backoff::UnitRandom default_random() {
  // Jitter only needs to decorrelate retries, not to be unpredictable, so a seeded Mersenne
  // twister is enough. It is shared by the copies of the std::function, hence the pointer.
  struct State {
    std::mutex mu;
    std::mt19937_64 engine{std::random_device{}()};
    std::uniform_real_distribution<double> unit{0.0, 1.0};
  };
  auto state = std::make_shared<State>();
  return [state] {
    std::lock_guard lock(state->mu);
    return state->unit(state->engine);
  };
}

}  // namespace

Backoff::Backoff(BackoffOptions options, UnitRandom random)
    : options_(options), random_(std::move(random)) {
  if (options_.base <= Duration::zero() || options_.cap < options_.base ||
      !(options_.factor >= 1.0)) {
    throw std::invalid_argument("backoff: need 0 < base <= cap and factor >= 1");
  }
  if (options_.jitter && !random_) random_ = default_random();
}

Duration Backoff::delay_for(std::uint32_t failures) const {
  // Computed in floating point so that a large failure count cannot overflow the integer
  // tick count; anything at or beyond the cap is the cap exactly.
  const double base = static_cast<double>(options_.base.count());
  const double cap = static_cast<double>(options_.cap.count());
  const double exponent = failures == 0 ? 0.0 : static_cast<double>(failures - 1);
  const double raw = base * std::pow(options_.factor, exponent);
  return raw >= cap ? options_.cap : Duration(static_cast<Duration::rep>(raw));
}

Duration Backoff::next(const std::string& key) {
  std::uint32_t failures = 0;
  {
    std::lock_guard lock(mu_);
    auto& count = failures_[key];
    if (count < UINT32_MAX) ++count;  // saturate: the delay is capped long before this
    failures = count;
  }
  const Duration delay = delay_for(failures);
  if (!options_.jitter) return delay;
  double u = random_();
  if (!(u >= 0.0)) u = 0.0;  // also catches NaN from a broken source
  if (u > 1.0) u = 1.0;
  return Duration(static_cast<Duration::rep>(static_cast<double>(delay.count()) * u));
}

void Backoff::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

std::uint32_t Backoff::failures(const std::string& key) const {
  std::lock_guard lock(mu_);
  const auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

std::size_t Backoff::tracked() const {
  std::lock_guard lock(mu_);
  return failures_.size();
}

}  // namespace rotor::runtime
