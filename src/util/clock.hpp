#pragma once
// Time behind an interface so that rotation schedules, lockouts and token expiry are tested
// without sleeping: production uses SystemClock, tests a ManualClock they move by hand.
#include <chrono>
#include <mutex>
#include <string>

namespace rotor {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void advance(Duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }
  void set(TimePoint t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
};

// RFC 3339 in UTC with second precision, "2026-11-23T18:22:00Z".
std::string format_rfc3339(TimePoint t);
// Parses RFC 3339 ("Z" or "+hh:mm" offsets, optional fraction); false if malformed.
bool parse_rfc3339(const std::string& text, TimePoint& out);
// The compact form X-Sdk-Date uses: "20261123T182200Z".
std::string format_sdk_date(TimePoint t);
bool parse_sdk_date(const std::string& text, TimePoint& out);

}  // namespace rotor
