#pragma once
// IANA time zones without std::chrono::tzdb: GCC 12's libstdc++ has no time-zone database,
// so rotation schedules read the system's compiled zone files (TZif, RFC 8536, versions 1
// to 4) from /usr/share/zoneinfo (Debian package tzdata), or from $TZDIR when set.
//
// Instants are Unix seconds (leap seconds ignored, as POSIX time does); "local seconds"
// are the local civil time counted as if it were UTC, so that calendar arithmetic on them
// is plain integer arithmetic.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rotor::schedule {

// Proleptic Gregorian calendar helpers (Howard Hinnant's algorithms).
struct CivilDate {
  std::int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};
std::int64_t floor_div(std::int64_t a, std::int64_t b);  // rounds toward -infinity
std::int64_t days_from_civil(std::int64_t year, int month, int day);
CivilDate civil_from_days(std::int64_t days);
int weekday_from_days(std::int64_t days);  // 0 = Sunday
int days_in_month(std::int64_t year, int month);

// The rule of a TZif footer, a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3"; it
// gives the offsets after the last transition of the table, which "slim" zone files (and
// all files for dates past 2037) depend on.
struct PosixTz {
  struct Rule {
    enum Kind { kJulian1, kJulian0, kMonthWeekDay } kind = kMonthWeekDay;
    int day = 0;  // Jn: 1..365; n: 0..365; Mm.w.d: d (0 = Sunday)
    int week = 0;
    int month = 0;
    std::int32_t time = 7200;  // seconds after local midnight; may be negative or > 24h
  };
  std::int32_t std_offset = 0;  // seconds east of UTC
  std::int32_t dst_offset = 0;
  bool has_dst = false;
  Rule start, end;

  static std::optional<PosixTz> parse(std::string_view text);
  std::int32_t offset_at(std::int64_t unix_seconds) const;
};

// Where a local civil time falls.
struct LocalMapping {
  enum Kind { kUnique, kAmbiguous, kGap } kind = kUnique;
  // kUnique: both the instant. kAmbiguous (clocks went back): the two instants, earlier
  // first. kGap (clocks went forward, the time never happens): both the instant the gap
  // ends, i.e. the transition itself.
  std::int64_t first = 0;
  std::int64_t second = 0;
};

class TimeZone {
 public:
  // Loads a zone by IANA name ("Europe/Berlin"); "" and "UTC" are built in and need no
  // file. Loaded zones are cached for the life of the process (thread-safe); failures are
  // not, so installing tzdata later helps without a restart.
  static std::shared_ptr<const TimeZone> load(std::string_view name, std::string& error);
  static std::shared_ptr<const TimeZone> utc();
  // Parses the bytes of a TZif file; for tests and for load().
  static std::shared_ptr<const TimeZone> from_tzif(std::string name, std::string_view data,
                                                   std::string& error);

  const std::string& name() const { return name_; }
  // Seconds east of UTC in effect at the instant.
  std::int32_t offset_at(std::int64_t unix_seconds) const;
  // Local civil time to instants. Assumes the zone's transitions are more than a day apart,
  // which holds for every zone in use.
  LocalMapping resolve(std::int64_t local_seconds) const;

 private:
  std::string name_;
  std::vector<std::int64_t> transitions_;  // ascending instants
  std::vector<std::int32_t> offsets_;      // the offset from transitions_[i] on
  std::int32_t initial_offset_ = 0;        // before the first transition
  std::optional<PosixTz> footer_;          // after the last transition
};

}  // namespace rotor::schedule
