#include "schedule/schedule.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <utility>
#include <vector>

namespace rotor::schedule {
namespace {

using std::chrono::duration_cast;
using Nanos = std::chrono::nanoseconds;

constexpr std::int64_t kDaySeconds = 86400;

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Sets the error and fails: keeps the many checks below one line each.
std::nullopt_t fail(std::string& error, std::string message) {
  error = std::move(message);
  return std::nullopt;
}
bool reject(std::string& error, std::string message) {
  error = std::move(message);
  return false;
}

// --- durations ----------------------------------------------------------------------------

std::optional<std::uint64_t> unit_nanos(std::string_view unit) {
  if (unit == "h") return 3'600'000'000'000ULL;
  if (unit == "m") return 60'000'000'000ULL;
  if (unit == "s") return 1'000'000'000ULL;
  if (unit == "ms") return 1'000'000ULL;
  return std::nullopt;
}

// --- cron fields --------------------------------------------------------------------------

struct Field {
  const char* name;
  int min;
  int max;
  std::array<const char*, 12> names;  // names[i] is the value min + i; none if empty
};

constexpr Field kMinute{"minute", 0, 59, {}};
constexpr Field kHour{"hour", 0, 23, {}};
constexpr Field kMonthDay{"day-of-month", 1, 31, {}};
constexpr Field kMonth{
    "month",
    1,
    12,
    {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}};
constexpr Field kWeekday{"day-of-week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}};

bool parse_value(std::string_view text, const Field& f, int& out, std::string& error) {
  const std::string where = std::string(" in the ") + f.name + " field";
  if (!text.empty() && std::all_of(text.begin(), text.end(), is_digit)) {
    out = 0;
    for (char c : text) out = std::min(out * 10 + (c - '0'), 1000);  // 1000: out of range
    if (out >= f.min && out <= f.max) return true;
    return reject(error, "value " + std::string(text) + where + " is out of range (" +
                             std::to_string(f.min) + "-" + std::to_string(f.max) + ")");
  }
  for (std::size_t i = 0; i < f.names.size() && f.names[i] != nullptr; ++i) {
    const std::string_view name = f.names[i];
    if (text.size() == name.size() &&
        std::equal(text.begin(), text.end(), name.begin(), [](char a, char b) {
          return std::toupper(static_cast<unsigned char>(a)) == b;
        })) {
      out = f.min + static_cast<int>(i);
      return true;
    }
  }
  return reject(
      error,
      (text.empty() ? std::string("missing value") : "invalid value " + quoted(text)) + where);
}

// One field into a bit set. Day of week 7 is stored as 0 (both are Sunday).
bool parse_field(std::string_view text, const Field& f, std::uint64_t& bits, std::string& error) {
  bits = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    const std::size_t slash = item.find('/');
    const std::string_view range = item.substr(0, slash);
    // Day of week 7 only counts when written out: "*/2" and "1/2" stop at Saturday.
    const int implicit_max = f.max == 7 ? 6 : f.max;
    int lo = f.min, hi = implicit_max, step = 1;
    if (range != "*") {
      const std::size_t dash = range.find('-');
      if (!parse_value(range.substr(0, dash), f, lo, error)) return false;
      hi = lo;
      if (dash != std::string_view::npos) {
        if (!parse_value(range.substr(dash + 1), f, hi, error)) return false;
        if (lo > hi)
          return reject(
              error, "range " + std::string(range) + " in the " + f.name + " field is backwards");
      } else if (slash != std::string_view::npos) {
        // "5/15" is "5-59/15", as Kubernetes CronJobs read it; "7/2" (day of week) is
        // Sunday, not the empty "7-6/2" that made a schedule which never fired.
        hi = std::max(lo, implicit_max);
      }
    }
    if (slash != std::string_view::npos) {
      const std::string_view s = item.substr(slash + 1);
      step = 0;
      for (char c : s) {
        if (!is_digit(c)) {
          step = -1;
          break;
        }
        step = std::min(step * 10 + (c - '0'), 1000);
      }
      if (s.empty() || step < 1 || step > f.max)
        return reject(error, "step " + quoted(s) + " in the " + f.name +
                                 " field must be a number from 1 to " + std::to_string(f.max));
    }
    for (int v = lo; v <= hi; v += step) bits |= std::uint64_t{1} << (f.max == 7 && v == 7 ? 0 : v);
    if (comma == text.size()) break;
  }
  return true;
}

std::vector<std::string_view> split_fields(std::string_view expr) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < expr.size()) {
    while (i < expr.size() && (expr[i] == ' ' || expr[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < expr.size() && expr[i] != ' ' && expr[i] != '\t') ++i;
    if (i > start) out.push_back(expr.substr(start, i - start));
  }
  return out;
}

std::optional<std::string_view> expand_macro(std::string_view m) {
  if (m == "@yearly" || m == "@annually") return "0 0 1 1 *";
  if (m == "@monthly") return "0 0 1 * *";
  if (m == "@weekly") return "0 0 * * 0";
  if (m == "@daily" || m == "@midnight") return "0 0 * * *";
  if (m == "@hourly") return "0 * * * *";
  return std::nullopt;
}

std::uint64_t mix(std::uint64_t z) {  // splitmix64's finalizer: spreads FNV's low bits
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::optional<Duration> parse_go_duration(std::string_view text, std::string& error) {
  std::string_view s = text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (!s.empty() && s.front() == '-')
    return fail(error, "negative duration " + quoted(text) + " is not allowed");
  if (s == "0") return Duration{0};
  if (s.empty())
    return fail(error, "empty duration (use h, m, s or ms, such as \"720h\" or \"1h30m\")");
  constexpr std::uint64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::string too_long = "duration " + quoted(text) + " is too long (at most 2562047h)";
  std::uint64_t total = 0;
  while (!s.empty()) {
    std::uint64_t whole = 0, frac = 0;
    double scale = 1;
    std::size_t digits = 0, frac_digits = 0;
    for (; digits < s.size() && is_digit(s[digits]); ++digits) {
      if (whole > (kMax - 9) / 10) return fail(error, too_long);
      whole = whole * 10 + static_cast<std::uint64_t>(s[digits] - '0');
    }
    s.remove_prefix(digits);
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      for (; frac_digits < s.size() && is_digit(s[frac_digits]); ++frac_digits) {
        if (frac_digits < 18) {  // further digits are below a nanosecond anyway
          frac = frac * 10 + static_cast<std::uint64_t>(s[frac_digits] - '0');
          scale *= 10;
        }
      }
      s.remove_prefix(frac_digits);
    }
    if (digits == 0 && frac_digits == 0)
      return fail(error, "invalid duration " + quoted(text) + " (expected a number before " +
                             quoted(s.substr(0, 1)) + ")");
    std::size_t unit_len = 0;
    while (unit_len < s.size() && !is_digit(s[unit_len]) && s[unit_len] != '.') ++unit_len;
    const std::string_view unit = s.substr(0, unit_len);
    s.remove_prefix(unit_len);
    if (unit.empty())
      return fail(error, "missing unit in duration " + quoted(text) +
                             " (use h, m, s or ms, such as \"" + std::to_string(whole) + "s\")");
    const auto nanos = unit_nanos(unit);
    if (!nanos) {
      error = "unknown unit " + quoted(unit) + " in " + quoted(text) + " (use h, m, s or ms";
      const std::uint64_t hours = unit == "d" ? 24 : unit == "w" ? 168 : 0;
      if (hours != 0 && frac_digits == 0 && whole < 1'000'000) {
        error += "; " + std::to_string(whole) + unit.front() + " is " +
                 quoted(std::to_string(whole * hours) + "h");
      }
      error += ")";
      return std::nullopt;
    }
    if (whole > kMax / *nanos) return fail(error, too_long);
    const std::uint64_t part =
        whole * *nanos + static_cast<std::uint64_t>(static_cast<double>(frac) *
                                                    (static_cast<double>(*nanos) / scale));
    if (part > kMax - total) return fail(error, too_long);
    total += part;
  }
  return duration_cast<Duration>(Nanos(static_cast<std::int64_t>(total)));
}

std::string format_go_duration(Duration d) {
  auto ms = duration_cast<std::chrono::milliseconds>(d).count();
  if (ms == 0) return "0s";
  std::string out = ms < 0 ? "-" : "";
  ms = ms < 0 ? -ms : ms;
  const std::pair<long long, const char*> units[] = {
      {3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}, {1, "ms"}};
  for (const auto& [size, name] : units) {
    if (ms >= size) out += std::to_string(ms / size) + name;
    ms %= size;
  }
  return out;
}

std::optional<CronSchedule> CronSchedule::parse(std::string_view expr, std::string_view time_zone,
                                                std::string& error) {
  CronSchedule c;
  c.expr_ = std::string(expr);
  std::vector<std::string_view> fields = split_fields(expr);
  if (fields.size() == 1 && fields[0].front() == '@') {
    const auto expanded = expand_macro(fields[0]);
    if (!expanded)
      return fail(error, "unknown macro " + quoted(fields[0]) +
                             " (use @yearly, @monthly, @weekly, @daily or @hourly)");
    fields = split_fields(*expanded);
  }
  if (fields.size() != 5)
    return fail(error, "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                           std::to_string(fields.size()) + " in " + quoted(expr));
  const Field* specs[] = {&kMinute, &kHour, &kMonthDay, &kMonth, &kWeekday};
  std::uint64_t bits[5] = {};
  for (int i = 0; i < 5; ++i) {
    if (!parse_field(fields[i], *specs[i], bits[i], error)) return std::nullopt;
  }
  c.minutes_ = bits[0];
  c.hours_ = static_cast<std::uint32_t>(bits[1]);
  c.mdays_ = static_cast<std::uint32_t>(bits[2]);
  c.months_ = static_cast<std::uint32_t>(bits[3]);
  c.weekdays_ = static_cast<std::uint32_t>(bits[4]);
  c.mday_star_ = fields[2].front() == '*';
  c.weekday_star_ = fields[4].front() == '*';
  if (c.mday_star_ || c.weekday_star_) {  // days must match day-of-month: is there one?
    bool possible = false;
    for (int m = 1; m <= 12; ++m) {
      const auto in_month = (std::uint32_t{2} << days_in_month(2024, m)) - 2;  // leap year
      possible = possible || ((c.months_ >> m & 1) != 0 && (c.mdays_ & in_month) != 0);
    }
    if (!possible)
      return fail(error, "schedule " + quoted(expr) +
                             " never fires: none of its months has any of its days of the month");
  }
  c.zone_ = TimeZone::load(time_zone, error);
  if (!c.zone_) return std::nullopt;
  return c;
}

bool CronSchedule::day_matches(std::int64_t days) const {
  const CivilDate date = civil_from_days(days);
  if ((months_ >> date.month & 1) == 0) return false;
  const bool mday = (mdays_ >> date.day & 1) != 0;
  const bool weekday = (weekdays_ >> weekday_from_days(days) & 1) != 0;
  return mday_star_ || weekday_star_ ? mday && weekday : mday || weekday;
}

std::optional<TimePoint> CronSchedule::next_after(TimePoint t) const {
  const std::int64_t now =
      floor_div(duration_cast<Nanos>(t.time_since_epoch()).count(), 1'000'000'000);
  // Walk the wall clock from the whole minute after t's local time. Mapping wall-clock
  // times to their first occurrence (or to the end of a gap) is monotonic, so the first
  // candidate that lands after t is the answer; earlier wall-clock times land before it.
  // Not from the local time of t's next whole minute: when that minute ends a DST gap
  // (03:00 CEST), the times inside the gap, which fire at its end, would be skipped.
  const std::int64_t local = floor_div(now + zone_->offset_at(now), 60) * 60 + 60;
  const std::int64_t first_day = floor_div(local, kDaySeconds);
  for (std::int64_t day = first_day; day < first_day + kSearchYears * 366; ++day) {
    if (!day_matches(day)) continue;
    const std::int64_t from = day == first_day ? local - day * kDaySeconds : 0;
    for (int h = static_cast<int>(from / 3600); h < 24; ++h) {
      if ((hours_ >> h & 1) == 0) continue;
      for (int m = 0; m < 60; ++m) {
        const std::int64_t second_of_day = h * 3600 + m * 60;
        if ((minutes_ >> m & 1) == 0 || second_of_day < from) continue;
        // The first occurrence; in a fall-back overlap already past, the second is skipped.
        const std::int64_t at = zone_->resolve(day * kDaySeconds + second_of_day).first;
        if (at > now) return TimePoint(duration_cast<Duration>(std::chrono::seconds(at)));
      }
    }
  }
  return std::nullopt;
}

std::optional<Schedule> Schedule::from_spec(std::string_view interval, std::string_view schedule,
                                            std::string_view time_zone, std::string_view jitter,
                                            std::string& error) {
  if (!interval.empty() && !schedule.empty())
    return fail(error,
                "rotation.interval and rotation.schedule are mutually exclusive: set exactly one");
  if (interval.empty() && schedule.empty())
    return fail(error, "rotation needs one of interval or schedule");
  if (!time_zone.empty() && schedule.empty())
    return fail(error, "rotation.timeZone applies only to rotation.schedule");
  Schedule s;
  std::string e;
  if (!interval.empty()) {
    s.interval = parse_go_duration(interval, e);
    if (!s.interval) return fail(error, "rotation.interval: " + e);
    if (*s.interval < kMinInterval)
      return fail(error, "rotation.interval " + quoted(interval) +
                             " is too short: rotate at most once a minute (at least \"1m\")");
  } else {
    if (!TimeZone::load(time_zone, e)) {  // first, so that its errors get the right field
      return fail(error, "rotation.timeZone: " + e);
    }
    s.cron = CronSchedule::parse(schedule, time_zone, e);
    if (!s.cron) return fail(error, "rotation.schedule: " + e);
  }
  if (jitter.empty()) return s;
  const auto j = parse_go_duration(jitter, e);
  if (!j) return fail(error, "rotation.jitter: " + e);
  s.jitter = *j;
  if (s.interval && s.jitter >= *s.interval)
    return fail(error, "rotation.jitter must be shorter than rotation.interval");
  if (s.cron && s.jitter > Duration{0}) {
    // A jitter as long as the gap between two firings would skip the second one. Gaps vary
    // (months, DST), so check those of a fixed sample period: the first 1000 firings after
    // 2026-01-01 or 30 years, whichever is shorter.
    TimePoint prev = TimePoint(std::chrono::seconds(1'767'225'600));
    const TimePoint end = prev + std::chrono::hours(24 * 366 * CronSchedule::kSearchYears);
    std::optional<TimePoint> next = s.cron->next_after(prev);
    for (int i = 0; next && *next < end && i < 1000; ++i) {
      prev = *next;
      next = s.cron->next_after(prev);
      if (next && *next - prev <= s.jitter)
        return fail(
            error,
            "rotation.jitter (" + format_go_duration(s.jitter) +
                ") must be shorter than the shortest gap between rotation.schedule's times (" +
                format_go_duration(*next - prev) + ")");
    }
  }
  return s;
}

Duration Schedule::jitter_for(std::string_view jitter_key, TimePoint due) const {
  const auto range = duration_cast<std::chrono::milliseconds>(jitter).count();
  if (range <= 0) return Duration{0};
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a: stable across builds and platforms,
  for (char c : jitter_key) {               // unlike std::hash
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  const auto secs = duration_cast<std::chrono::seconds>(due.time_since_epoch()).count();
  h = mix(h ^ mix(static_cast<std::uint64_t>(secs)));
  return duration_cast<Duration>(
      std::chrono::milliseconds(static_cast<std::int64_t>(h % static_cast<std::uint64_t>(range))));
}

TimePoint Schedule::next_rotation(TimePoint last_rotation, std::string_view jitter_key) const {
  TimePoint due;
  if (interval) {
    due = last_rotation + *interval;
  } else {
    const auto next = cron ? cron->next_after(last_rotation) : std::nullopt;
    if (!next) return TimePoint::max();
    due = *next;
  }
  return due + jitter_for(jitter_key, due);
}

}  // namespace rotor::schedule
