#include "sim/faults.hpp"

#include <algorithm>
#include <cmath>

namespace rotor::sim {
namespace {

int& counter(Faults& f, FaultKind k) {
  switch (k) {
    case FaultKind::kThrottle:
      return f.throttle_next;
    case FaultKind::kError:
      return f.error_next;
    case FaultKind::kDrop:
      return f.drop_next;
  }
  return f.error_next;
}

double rate(const Faults& f, FaultKind k) {
  switch (k) {
    case FaultKind::kThrottle:
      return f.throttle_rate;
    case FaultKind::kError:
      return f.error_rate;
    case FaultKind::kDrop:
      return f.drop_rate;
  }
  return 0;
}

// Uniform in [0, 1) from the top 53 bits: the same on every standard library, unlike
// std::uniform_real_distribution, so a seed means the same run everywhere.
bool roll(double p, std::mt19937_64& rng) {
  if (p <= 0) return false;
  return static_cast<double>(rng() >> 11) * 0x1.0p-53 < p;
}

bool take_counter(Faults* f, FaultKind k) {
  if (!f || counter(*f, k) <= 0) return false;
  --counter(*f, k);
  return true;
}

Busy take_busy_of(Faults* f) {
  if (!f || f->busy == Busy::kNone) return Busy::kNone;
  const Busy b = f->busy;
  if (f->busy_calls > 0 && --f->busy_calls == 0) f->busy = Busy::kNone;
  return b;
}

Service service_of(Action a) {
  switch (a) {
    case Action::kDdmReset:
    case Action::kDdmResetV2:
      return Service::kDdm;
    case Action::kDmsReset:
      return Service::kKafka;
    default:
      return Service::kDcs;
  }
}

}  // namespace

bool take_fault(FaultKind kind, Faults* instance, Faults& global, std::mt19937_64& rng) {
  if (take_counter(instance, kind) || take_counter(&global, kind)) return true;
  if (instance && roll(rate(*instance, kind), rng)) return true;
  return roll(rate(global, kind), rng);
}

Busy take_busy(Faults* instance, Faults& global) {
  const Busy b = take_busy_of(instance);
  return b != Busy::kNone ? b : take_busy_of(&global);
}

int latency_ms(const Faults* instance, const Faults& global) {
  return instance && instance->latency_ms > 0 ? instance->latency_ms : global.latency_ms;
}

Outcome throttled() {
  Outcome o = gateway_error(429, "APIG.0308", "The throttling threshold has been reached.");
  return o;
}

std::optional<Outcome> take_rate_limit(const Faults& global, RateBucket& bucket, TimePoint now) {
  const double rate = global.rate_limit_per_s;
  if (rate <= 0) return std::nullopt;
  const double burst = global.rate_limit_burst > 0 ? global.rate_limit_burst : std::ceil(rate);
  if (bucket.tokens < 0) {
    bucket.tokens = burst;
  } else {
    const double elapsed = std::chrono::duration<double>(now - bucket.last).count();
    bucket.tokens = std::min(burst, bucket.tokens + rate * std::max(0.0, elapsed));
  }
  bucket.last = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    ++bucket.passed;
    return std::nullopt;
  }
  ++bucket.throttled;
  Outcome o = throttled();
  if (global.rate_limit_retry_after) {
    const double wait = (1 - bucket.tokens) / rate;
    o.reply.response.headers.set("Retry-After", std::to_string(static_cast<long>(std::ceil(wait))));
  }
  return o;
}

Outcome internal_error(Action a) {
  switch (service_of(a)) {
    case Service::kDdm:
      return service_error(Service::kDdm, 500, "DBS.200412", "Server failure.");
    case Service::kKafka:
    case Service::kRabbitMq:
      // Not from a table: DMS documents no generic 500 code.
      return service_error(Service::kKafka, 500, "DMS.00500000", "Internal service error.");
    case Service::kDcs:
      break;
  }
  // api-notes lists DCS.4069 as the 500 of the password calls.
  return service_error(Service::kDcs, 500, "DCS.4069",
                       "Internal service error; the password was not changed.");
}

Outcome busy_answer(Action a, Busy b) {
  switch (service_of(a)) {
    case Service::kDdm:
      // DDM's "abnormal request" example; its status is not documented, 400 like DCS.
      return service_error(Service::kDdm, 400, "DDM.0602",
                           "The database is busy. The operation cannot be performed. Please "
                           "try again later.");
    case Service::kKafka:
    case Service::kRabbitMq:
      return service_error(Service::kKafka, 400, "DMS.00400026",
                           "The instance status does not support this operation.");
    case Service::kDcs:
      break;
  }
  switch (b) {
    case Busy::kNotRunning:
      return service_error(Service::kDcs, 400, "DCS.4049", "The instance is not running.");
    case Busy::kJobRunning:
      return service_error(Service::kDcs, 400, "DCS.4017", "A job is still running.");
    case Busy::kChangingPassword:
    case Busy::kNone:
      break;
  }
  return service_error(Service::kDcs, 400, "DCS.4115", "The instance is changing its password.");
}

}  // namespace rotor::sim
