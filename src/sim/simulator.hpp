#pragma once
// The simulated cloud behind rotor-cloudsim: DCS, DDM, DMS (Kafka, RabbitMQ) password calls,
// IAM tokens, the API gateway's authentication, injected faults, and an admin API under
// /_sim/ for tests. A test double honest to ../shared/seeds and api-notes.md; every call is
// answered from memory, except that a DCS instance may push its password to a real Redis.
//
// Thread-safe: each call is handled under one lock, so a call sees and leaves a consistent
// state (a Redis push included).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "sim/handlers.hpp"
#include "sim/spec.hpp"
#include "sim/state.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

namespace rotor::sim {

// The system clock moved forward on request (POST /_sim/clock), so that an integration test
// can outwait a 5-minute lockout without sleeping.
class OffsetClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now() + Duration(offset_); }
  TimerHandle schedule_at(TimePoint when, std::function<void()> fire) const override {
    return timers_.schedule_at(when, std::move(fire));
  }
  bool cancel(TimerHandle timer) const override { return timers_.cancel(timer); }
  void advance(Duration d) {
    offset_ += d.count();
    timers_.clock_moved();  // timers now due fire at once
  }

 private:
  std::atomic<Duration::rep> offset_{0};
  mutable WallTimers timers_{[this] { return now(); }};
};

class Simulator {
 public:
  // `clock` must outlive the simulator. A ManualClock or an OffsetClock can be advanced
  // through the admin API; `seed` drives the fault rates.
  explicit Simulator(Clock& clock, std::uint64_t seed = 1);

  // The server's handler: every cloud call and /_sim/ admin call.
  http::ServerReply handle(const http::ServerRequest& request);

  // One line per call (never a secret); nullptr, the default, logs nothing.
  void set_logger(Logger* logger);
  // Replaces the Redis client (unit tests).
  void set_redis(RedisSetter setter);

  // Setup without HTTP, the same documents as the admin API; throw SpecError.
  // `config`: {"access_keys": [...], "iam_users": [...], "instances": [{"id": ..., ...}]
  // or {"<id>": {...}}, "faults": {...}}.
  void configure(const Json& config);
  void put_instance(const std::string& id, const Json& spec);
  void put_credentials(const Json& spec);
  void put_faults(const Json& spec);

  std::vector<CallRecord> calls() const;
  std::optional<Json> instance(const std::string& id) const;  // the admin view

 private:
  Outcome dispatch(const http::ServerRequest& request, CallRecord& record);
  Outcome cloud_call(const http::ServerRequest& request, CallRecord& record);
  Outcome admin(const http::ServerRequest& request);  // admin.cpp
  void put_instance_locked(const std::string& id, const Json& spec, bool& created);
  void log(const CallRecord& record, bool admin_call);

  mutable std::mutex mu_;
  Clock& clock_;
  State state_;
  RedisSetter redis_;
  Logger* logger_ = nullptr;
};

}  // namespace rotor::sim
