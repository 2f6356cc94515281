#pragma once
// Deciding which injected faults fire on a call, and what each answers.
#include <optional>
#include <random>

#include "sim/handlers.hpp"
#include "sim/state.hpp"

namespace rotor::sim {

enum class FaultKind { kThrottle, kError, kDrop };

// Whether `kind` fires: the instance's counter, then the global counter, then the
// instance's rate, then the global rate. A counter that fires is decremented. Rates draw
// from `rng` only when non-zero, so a seed replays the same faults for the same calls.
bool take_fault(FaultKind kind, Faults* instance, Faults& global, std::mt19937_64& rng);
// The busy state in force (instance first), consuming one of its `busy_calls`.
Busy take_busy(Faults* instance, Faults& global);
int latency_ms(const Faults* instance, const Faults& global);

// 429 APIG.0308, as the gateway throttles.
Outcome throttled();
// The gateway's rate limit (Faults::rate_limit_per_s): takes a call from the bucket at `now`,
// or answers why not (429 APIG.0308, with Retry-After when configured).
std::optional<Outcome> take_rate_limit(const Faults& global, RateBucket& bucket, TimePoint now);
// 500 with the service's own error body; nothing was applied.
Outcome internal_error(Action a);
// 400 "busy, retry later" in the service's words.
Outcome busy_answer(Action a, Busy b);

}  // namespace rotor::sim
