#pragma once
// When a resource's password is rotated next: spec.rotation's interval or cron schedule,
// its time zone and jitter, as pure functions of the last rotation so that the controller
// (and its tests, with a ManualClock) only compare the result with now().
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "schedule/tzfile.hpp"
#include "util/clock.hpp"

namespace rotor::schedule {

// Go's time.ParseDuration, restricted to the units h, m, s and ms: "720h", "1h30m", "1.5h",
// "90s", "0". Rejects negatives, empty text, missing or unknown units (with a hint for "d"
// and "w", which Go does not have) and values beyond Go's limit of about 292 years.
std::optional<Duration> parse_go_duration(std::string_view text, std::string& error);
// The compact form for messages: "1h30m", "90s" -> "1m30s", "250ms", "0s".
std::string format_go_duration(Duration d);

// A standard 5-field cron expression (minute hour day-of-month month day-of-week) in an IANA
// time zone, with Vixie cron's semantics:
//  - `*`, lists `a,b`, ranges `a-b`, steps `*/n` and `a-b/n`; `a/n` means `a-max/n`, as in
//    Kubernetes CronJobs. Month names JAN-DEC and weekday names SUN-SAT, any case; day of
//    week 0 and 7 are both Sunday.
//  - When day-of-month and day-of-week are both restricted (neither starts with `*`), a day
//    matches if either does; otherwise both must.
//  - Macros @yearly (@annually), @monthly, @weekly, @daily (@midnight) and @hourly.
//
// Daylight saving time (times are the zone's wall-clock times):
//  - A time that does not exist (spring forward: 02:30 in Berlin on 2026-03-29) fires at
//    the first instant after the gap (03:00 CEST). A skipped rotation would wait a whole
//    period; one an hour late is harmless. Several times in one gap fire once.
//  - A time that happens twice (fall back: 02:30 in Berlin on 2026-10-25) fires once, at
//    its first occurrence (02:30 CEST). This holds for every field, so "*/15 * * * *"
//    pauses for the repeated hour.
class CronSchedule {
 public:
  // An empty time zone is UTC. Rejects schedules that can never fire ("0 0 30 2 *").
  static std::optional<CronSchedule> parse(std::string_view expr, std::string_view time_zone,
                                           std::string& error);

  // The first firing strictly after t (firings are whole minutes, or the end of a DST gap).
  // nullopt only if there is none within kSearchYears, which parse() rules out.
  std::optional<TimePoint> next_after(TimePoint t) const;

  const std::string& expression() const { return expr_; }
  const TimeZone& zone() const { return *zone_; }

  // Long enough for a Feb 29 with a weekday restriction ("0 0 29 2 */7": Feb 29 and a
  // Sunday): that day comes up to 40 years apart (2088, then 2128: 2100 is not a leap
  // year). 30 years, as before fuzzing found it, missed such firings.
  static constexpr int kSearchYears = 40;

 private:
  bool day_matches(std::int64_t days) const;

  std::string expr_;
  std::shared_ptr<const TimeZone> zone_;
  std::uint64_t minutes_ = 0;   // bit n: minute n
  std::uint32_t hours_ = 0;     // bit n: hour n
  std::uint32_t mdays_ = 0;     // bit n: day of month n (1..31)
  std::uint32_t months_ = 0;    // bit n: month n (1..12)
  std::uint32_t weekdays_ = 0;  // bit n: weekday n (0 = Sunday .. 6)
  bool mday_star_ = false;      // the field starts with '*' (Vixie's DOM_STAR)
  bool weekday_star_ = false;
};

// spec.rotation: exactly one of an interval and a cron schedule, plus an optional jitter.
struct Schedule {
  std::optional<Duration> interval;
  std::optional<CronSchedule> cron;
  Duration jitter{0};

  static constexpr Duration kMinInterval = std::chrono::minutes(1);

  // The spec's strings; empty means unset. Enforces what the CRD's validation rules do
  // (objects may predate them, or come from a file) and what CEL cannot: interval >= 1m,
  // a valid cron and zone, and a jitter shorter than the interval or than the shortest
  // gap between the schedule's firings. Errors name the spec field.
  static std::optional<Schedule> from_spec(std::string_view interval, std::string_view schedule,
                                           std::string_view time_zone, std::string_view jitter,
                                           std::string& error);

  // interval: last + interval; cron: the first firing after last. Then plus
  // jitter_for(jitter_key, that time). jitter_key should be stable per object (its UID) so
  // that a restarted operator computes the same time. TimePoint::max() if a cron never
  // fires again, which from_spec rules out.
  TimePoint next_rotation(TimePoint last_rotation, std::string_view jitter_key) const;

  // A delay in [0, jitter), millisecond granularity, from a hash of the key and the due
  // time: deterministic, yet it differs between objects and between one object's cycles.
  Duration jitter_for(std::string_view jitter_key, TimePoint due) const;
};

}  // namespace rotor::schedule
