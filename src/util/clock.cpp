#include "util/clock.hpp"

#include <cstdio>
#include <ctime>

namespace rotor {
namespace {

std::tm to_utc(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

// The civil time `tm` at `offset_secs` east of UTC. False when it is not a TimePoint:
// TimePoint counts nanoseconds in 64 bits, from about 1678 to 2262, and a later year
// ("9999-12-31", as a far-off expiry) would overflow the conversion. The outermost seconds
// are refused too, so that a caller may add a fraction (parse_micro_time) to what it gets.
bool from_utc(std::tm tm, TimePoint& out, long offset_secs = 0) {
  const std::time_t secs = timegm(&tm);
  if (secs == static_cast<std::time_t>(-1)) return false;
  constexpr std::int64_t kLimit =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count();
  const std::int64_t utc = static_cast<std::int64_t>(secs) - offset_secs;
  if (utc >= kLimit || utc <= -kLimit) return false;
  out = TimePoint(std::chrono::seconds(utc));
  return true;
}

bool in_range(const std::tm& tm) {
  return tm.tm_mon >= 0 && tm.tm_mon < 12 && tm.tm_mday >= 1 && tm.tm_mday <= 31 &&
         tm.tm_hour >= 0 && tm.tm_hour < 24 && tm.tm_min >= 0 && tm.tm_min < 60 && tm.tm_sec >= 0 &&
         tm.tm_sec <= 60;
}

}  // namespace

std::string format_rfc3339(TimePoint t) {
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &static_cast<const std::tm&>(to_utc(t)));
  return buf;
}

std::string format_sdk_date(TimePoint t) {
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &static_cast<const std::tm&>(to_utc(t)));
  return buf;
}

bool parse_sdk_date(const std::string& text, TimePoint& out) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return false;
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d%2d%2dT%2d%2d%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 16) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return in_range(tm) && from_utc(tm, out);
}

bool parse_rfc3339(const std::string& text, TimePoint& out) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  if (!in_range(tm)) return false;
  std::size_t pos = static_cast<std::size_t>(consumed);
  if (pos < text.size() && text[pos] == '.') {  // fractional seconds are dropped
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  }
  long offset_secs = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int hh = 0, mm = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &hh, &mm) != 2 || hh < 0 || hh > 23 ||
        mm < 0 || mm > 59) {
      return false;
    }
    offset_secs = (hh * 3600L + mm * 60L) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return false;
  }
  return pos == text.size() && from_utc(tm, out, offset_secs);
}

}  // namespace rotor
