#include "sim/state.hpp"

#include <chrono>

namespace rotor::sim {

const char* to_string(Service s) {
  switch (s) {
    case Service::kDcs:
      return "dcs";
    case Service::kDdm:
      return "ddm";
    case Service::kKafka:
      return "kafka";
    case Service::kRabbitMq:
      return "rabbitmq";
  }
  return "unknown";
}

bool parse_service(std::string_view text, Service& out) {
  for (Service s : {Service::kDcs, Service::kDdm, Service::kKafka, Service::kRabbitMq}) {
    if (text == to_string(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

const char* to_string(Busy b) {
  switch (b) {
    case Busy::kNone:
      return "none";
    case Busy::kNotRunning:
      return "not_running";
    case Busy::kChangingPassword:
      return "changing_password";
    case Busy::kJobRunning:
      return "job_running";
  }
  return "none";
}

bool parse_busy(std::string_view text, Busy& out) {
  for (Busy b : {Busy::kNone, Busy::kNotRunning, Busy::kChangingPassword, Busy::kJobRunning}) {
    if (text == to_string(b)) {
      out = b;
      return true;
    }
  }
  return false;
}

bool dcs_locked(const Instance& inst, TimePoint now) {
  return now < inst.locked_until;
}

int dcs_lock_minutes_left(const Instance& inst, TimePoint now) {
  if (!dcs_locked(inst, now)) return 0;
  using std::chrono::minutes;
  const auto left = inst.locked_until - now;
  // Rounded up: 4 min 1 s left is "5", so a client never retries a minute early.
  return static_cast<int>((left + minutes(1) - Duration(1)) / minutes(1));
}

}  // namespace rotor::sim
