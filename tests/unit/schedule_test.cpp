// Rotation schedules: Go durations, cron expressions, time zones (TZif) and jitter.
// Expected instants in zones were cross-checked with Python's zoneinfo.
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <set>
#include <thread>

#include "schedule/schedule.hpp"

namespace rotor::schedule {
namespace {

using namespace std::chrono_literals;

TimePoint at(const std::string& rfc3339) {
  TimePoint t;
  EXPECT_TRUE(parse_rfc3339(rfc3339, t)) << rfc3339;
  return t;
}

std::int64_t unix_seconds(const std::string& rfc3339) {
  return std::chrono::duration_cast<std::chrono::seconds>(at(rfc3339).time_since_epoch()).count();
}

CronSchedule cron(std::string_view expr, std::string_view zone = "") {
  std::string error;
  auto c = CronSchedule::parse(expr, zone, error);
  EXPECT_TRUE(c) << expr << ": " << error;
  return c ? *c : *CronSchedule::parse("* * * * *", "", error);
}

// The successive firings after `from`, as RFC 3339 strings.
std::vector<std::string> firings(const CronSchedule& c, const std::string& from, int n) {
  std::vector<std::string> out;
  TimePoint t = at(from);
  for (int i = 0; i < n; ++i) {
    const auto next = c.next_after(t);
    if (!next) break;
    out.push_back(format_rfc3339(*next));
    t = *next;
  }
  return out;
}

using V = std::vector<std::string>;

// Each input must fail, with an error that contains the expected text.
template <typename Parse>
void expect_errors(std::initializer_list<std::pair<const char*, const char*>> cases, Parse parse) {
  for (const auto& [input, want] : cases) {
    std::string error;
    EXPECT_FALSE(parse(input, error)) << input;
    EXPECT_NE(error.find(want), std::string::npos) << input << ": " << error;
  }
}

TEST(GoDuration, AcceptsGoSyntax) {
  const std::pair<const char*, Duration> cases[] = {
      {"720h", 720h},   {"1h30m", 90min},   {"90s", 90s},          {"2m", 2min},   {"1.5h", 90min},
      {"250ms", 250ms}, {"0", 0s},          {"+5m", 5min},         {"1h0m0s", 1h}, {".5s", 500ms},
      {"1.s", 1s},      {"1m1ms", 60001ms}, {"2562047h", 2562047h}};
  for (const auto& [text, want] : cases) {
    std::string error;
    const auto d = parse_go_duration(text, error);
    ASSERT_TRUE(d) << text << ": " << error;
    EXPECT_EQ(*d, want) << text;
  }
  EXPECT_EQ(format_go_duration(90min) + format_go_duration(90s) + format_go_duration(0s),
            "1h30m1m30s0s");
}

TEST(GoDuration, RejectsWithHelpfulErrors) {
  // Tables of (input, expected part of the error), two short cases to a line.
  // clang-format off
  expect_errors({
      {"", "empty duration"},             {"-5m", "negative duration \"-5m\""},
      {"30d", "unknown unit \"d\" in \"30d\" (use h, m, s or ms; 30d is \"720h\")"},
      {"2w", "2w is \"336h\""},            {"5us", "unknown unit \"us\""},
      {"10", "missing unit in duration \"10\""},
      {"1h30", "missing unit"},           {"h", "expected a number"},
      {"5 m", "unknown unit \" m\""},      {"2562048h", "too long"},
      {"99999999999999999999s", "too long"}},
      // clang-format on
      [](const char* text, std::string& e) { return parse_go_duration(text, e).has_value(); });
}

TEST(CronParse, RejectsWithHelpfulErrors) {
  // clang-format off
  expect_errors({
      {"* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
      {"0 * * * * *", "got 6"},           {"", "got 0"},
      {"60 * * * *", "value 60 in the minute field is out of range (0-59)"},
      {"* 24 * * *", "hour field is out of range (0-23)"},
      {"* * 0 * *", "day-of-month field is out of range (1-31)"},
      {"* * * 13 *", "month field is out of range (1-12)"},
      {"* * * * 8", "day-of-week field is out of range (0-7)"},
      {"*/0 * * * *", "step \"0\" in the minute field must be a number from 1 to 59"},
      {"*/x * * * *", "step \"x\""},      {"*/ * * * *", "step \"\""},
      {"5-1 * * * *", "range 5-1 in the minute field is backwards"},
      {"1,,2 * * * *", "missing value in the minute field"},
      {"MON * * * *", "invalid value \"MON\" in the minute field"},
      {"* * * FOO *", "invalid value \"FOO\" in the month field"},
      {"* * * * L", "invalid value \"L\""}, {"@reboot", "unknown macro \"@reboot\""},
      {"0 0 30 2 *", "never fires"},      {"0 0 31 4,6,9,11 *", "never fires"}},
      // clang-format on
      [](const char* expr, std::string& e) {
        return CronSchedule::parse(expr, "", e).has_value();
      });
}

TEST(CronNext, EveryQuarterHour) {
  const auto c = cron("*/15 * * * *");
  EXPECT_EQ(firings(c, "2026-01-01T10:07:30Z", 4),
            (V{"2026-01-01T10:15:00Z", "2026-01-01T10:30:00Z", "2026-01-01T10:45:00Z",
               "2026-01-01T11:00:00Z"}));
  // Strictly after: a firing time itself is not returned again, sub-seconds count.
  EXPECT_EQ(firings(c, "2026-01-01T10:15:00Z", 1), V{"2026-01-01T10:30:00Z"});
  EXPECT_EQ(format_rfc3339(*c.next_after(at("2026-01-01T10:14:59Z") + 500ms)),
            "2026-01-01T10:15:00Z");
}

TEST(CronNext, MonthYearAndLeapDay) {
  EXPECT_EQ(firings(cron("0 0 1 * *"), "2026-11-15T00:00:00Z", 3),
            (V{"2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"}));
  EXPECT_EQ(firings(cron("59 23 31 12 *"), "2026-12-31T23:59:00Z", 1), V{"2027-12-31T23:59:00Z"});
  EXPECT_EQ(firings(cron("0 0 31 * *"), "2026-01-31T00:00:00Z", 2),
            (V{"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"}));
  const auto c = cron("0 0 29 2 *");
  EXPECT_EQ(firings(c, "2026-03-01T00:00:00Z", 2),
            (V{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}));
  EXPECT_EQ(firings(c, "2096-03-01T00:00:00Z", 1), V{"2104-02-29T00:00:00Z"});  // 2100 isn't
}

TEST(CronNext, NamesAndSunday) {
  // Mondays of January and July; none is left in January after the 27th.
  EXPECT_EQ(firings(cron("30 6 * jan,JUL Mon"), "2026-01-27T00:00:00Z", 2),
            (V{"2026-07-06T06:30:00Z", "2026-07-13T06:30:00Z"}));
  for (const char* expr : {"0 12 * * 0", "0 12 * * 7", "0 12 * * SUN", "0 12 * * sun"}) {
    EXPECT_EQ(firings(cron(expr), "2026-01-01T00:00:00Z", 1), V{"2026-01-04T12:00:00Z"}) << expr;
  }
  EXPECT_EQ(firings(cron("0 0 * * 5-7"), "2026-01-01T00:00:00Z", 4),
            (V{"2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z",
               "2026-01-09T00:00:00Z"}));
}

TEST(CronNext, RangesAndSteps) {
  // 2026-01-01 is a Thursday.
  EXPECT_EQ(firings(cron("0 3 * * 1-5"), "2026-01-01T00:00:00Z", 3),
            (V{"2026-01-01T03:00:00Z", "2026-01-02T03:00:00Z", "2026-01-05T03:00:00Z"}));
  EXPECT_EQ(firings(cron("10-30/10 * * * *"), "2026-01-01T00:00:00Z", 4),
            (V{"2026-01-01T00:10:00Z", "2026-01-01T00:20:00Z", "2026-01-01T00:30:00Z",
               "2026-01-01T01:10:00Z"}));
  EXPECT_EQ(firings(cron("5/20 * * * *"), "2026-01-01T00:00:00Z", 4),
            (V{"2026-01-01T00:05:00Z", "2026-01-01T00:25:00Z", "2026-01-01T00:45:00Z",
               "2026-01-01T01:05:00Z"}));
  // "1/2" is Monday, Wednesday, Friday: the implicit end is Saturday, not 7 (Sunday).
  EXPECT_EQ(firings(cron("0 0 * * 1/2"), "2026-01-01T00:00:00Z", 4),
            (V{"2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z",
               "2026-01-09T00:00:00Z"}));
  EXPECT_EQ(firings(cron("0 9,17 * * *"), "2026-01-01T12:00:00Z", 2),
            (V{"2026-01-01T17:00:00Z", "2026-01-02T09:00:00Z"}));
}

TEST(CronNext, Macros) {
  const std::pair<const char*, const char*> cases[] = {
      {"@hourly", "2026-03-10T11:00:00Z"},   {"@daily", "2026-03-11T00:00:00Z"},
      {"@midnight", "2026-03-11T00:00:00Z"}, {"@weekly", "2026-03-15T00:00:00Z"},
      {"@monthly", "2026-04-01T00:00:00Z"},  {"@yearly", "2027-01-01T00:00:00Z"},
      {"@annually", "2027-01-01T00:00:00Z"}};
  for (const auto& [expr, want] : cases) {
    EXPECT_EQ(firings(cron(expr), "2026-03-10T10:20:00Z", 1), V{want}) << expr;
  }
}

TEST(CronNext, DayOfMonthOrDayOfWeek) {
  // Both restricted: the 13th or any Friday.
  EXPECT_EQ(firings(cron("0 0 13 * 5"), "2026-01-01T00:00:00Z", 4),
            (V{"2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z",
               "2026-01-16T00:00:00Z"}));
  // A field starting with '*' makes it AND (Vixie): odd days that are Mondays.
  EXPECT_EQ(firings(cron("0 0 */2 * 1"), "2026-01-01T00:00:00Z", 2),
            (V{"2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z"}));
  // A day that never comes in February is fine when Mondays in February count too.
  EXPECT_EQ(firings(cron("0 0 30 2 1"), "2026-01-01T00:00:00Z", 1), V{"2026-02-02T00:00:00Z"});
}

TEST(CronZone, BerlinSpringForwardRunsAtTheEndOfTheGap) {
  // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z; 02:00 does not exist that day.
  EXPECT_EQ(firings(cron("0 2 * * *", "Europe/Berlin"), "2026-03-27T12:00:00Z", 3),
            (V{"2026-03-28T01:00:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"}));
  EXPECT_EQ(firings(cron("30 2 * * *", "Europe/Berlin"), "2026-03-28T12:00:00Z", 2),
            (V{"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}));
  // Every time in the gap maps to 01:00Z, which fires once.
  EXPECT_EQ(firings(cron("*/15 * * * *", "Europe/Berlin"), "2026-03-29T00:40:00Z", 3),
            (V{"2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z"}));
}

TEST(CronZone, BerlinFallBackFiresOnceAtTheFirstOccurrence) {
  // 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z; 02:00-02:59 happen twice.
  EXPECT_EQ(firings(cron("0 2 * * *", "Europe/Berlin"), "2026-10-24T12:00:00Z", 3),
            (V{"2026-10-25T00:00:00Z", "2026-10-26T01:00:00Z", "2026-10-27T01:00:00Z"}));
  // From inside the repeated hour (02:10 CET, the second pass): not again that day.
  EXPECT_EQ(firings(cron("30 2 * * *", "Europe/Berlin"), "2026-10-25T01:10:00Z", 1),
            V{"2026-10-26T01:30:00Z"});
  // Wall-clock times fire once, so an every-30-minutes schedule pauses for the repeat.
  EXPECT_EQ(firings(cron("*/30 * * * *", "Europe/Berlin"), "2026-10-25T00:00:00Z", 3),
            (V{"2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:30:00Z"}));
}

TEST(CronZone, BerlinBeyondTheTableUsesTheFooterRule) {
  // Debian's zone files list transitions up to 2037; later ones come from "CET-1CEST,...".
  EXPECT_EQ(firings(cron("0 2 * * *", "Europe/Berlin"), "2040-03-24T12:00:00Z", 2),
            (V{"2040-03-25T01:00:00Z", "2040-03-26T00:00:00Z"}));
  EXPECT_EQ(firings(cron("30 2 * * *", "Europe/Berlin"), "2040-10-27T12:00:00Z", 2),
            (V{"2040-10-28T00:30:00Z", "2040-10-29T01:30:00Z"}));
}

TEST(CronZone, NewYorkAndKolkata) {
  // 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
  EXPECT_EQ(firings(cron("0 2 * * *", "America/New_York"), "2026-03-06T12:00:00Z", 3),
            (V{"2026-03-07T07:00:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z"}));
  EXPECT_EQ(firings(cron("30 1 * * *", "America/New_York"), "2026-10-31T12:00:00Z", 2),
            (V{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}));
  EXPECT_EQ(firings(cron("0 9 * * MON-FRI", "America/New_York"), "2026-07-03T14:00:00Z", 1),
            V{"2026-07-06T13:00:00Z"});
  EXPECT_EQ(firings(cron("0 3 * * *", "Asia/Kolkata"), "2026-01-01T00:00:00Z", 2),
            (V{"2026-01-01T21:30:00Z", "2026-01-02T21:30:00Z"}));
  EXPECT_EQ(firings(cron("0 * * * *", "Asia/Kolkata"), "2026-01-01T00:00:00Z", 1),
            V{"2026-01-01T00:30:00Z"});
}

TEST(CronZone, RejectsBadZones) {
  expect_errors({{"Mars/Olympus", "unknown time zone \"Mars/Olympus\""},
                 {"Europe", "unknown time zone \"Europe\""},
                 {"../etc/passwd", "invalid time zone name"},
                 {"Europe/../../etc/passwd", "invalid time zone name"},
                 {"/etc/localtime", "invalid time zone name"},
                 {"Europe/Berlin ", "invalid time zone name"},
                 {"zone.tab", "not a TZif file"}},
                [](const char* zone, std::string& e) {
                  return CronSchedule::parse("0 2 * * *", zone, e).has_value();
                });
  for (const char* zone : {"", "UTC", "Etc/UTC"}) {
    EXPECT_EQ(firings(cron("0 2 * * *", zone), "2026-01-01T00:00:00Z", 1),
              V{"2026-01-01T02:00:00Z"})
        << zone;
  }
}

TEST(TimeZone, ResolvesGapsAndOverlaps) {
  std::string error;
  const auto berlin = TimeZone::load("Europe/Berlin", error);
  ASSERT_TRUE(berlin) << error;
  // Local times are written as if UTC.
  auto m = berlin->resolve(unix_seconds("2026-03-29T02:30:00Z"));
  EXPECT_EQ(m.kind, LocalMapping::kGap);
  EXPECT_EQ(m.first, unix_seconds("2026-03-29T01:00:00Z"));
  m = berlin->resolve(unix_seconds("2026-10-25T02:30:00Z"));
  EXPECT_EQ(m.kind, LocalMapping::kAmbiguous);
  EXPECT_EQ(m.first, unix_seconds("2026-10-25T00:30:00Z"));
  EXPECT_EQ(m.second, unix_seconds("2026-10-25T01:30:00Z"));
  EXPECT_EQ(berlin->resolve(unix_seconds("2026-07-01T12:00:00Z")).second,
            unix_seconds("2026-07-01T10:00:00Z"));
  EXPECT_EQ(berlin->offset_at(unix_seconds("1890-01-01T00:00:00Z")), 3208);  // LMT
}

// The footer rule must agree with the table wherever both apply, including rules with
// times of 24h (Santiago) and -1h (Nuuk) and southern-hemisphere summers.
TEST(TimeZone, FooterRuleAgreesWithTheTable) {
  for (const char* name : {"Europe/Berlin", "America/New_York", "Australia/Sydney",
                           "America/Santiago", "America/Nuuk", "Asia/Kolkata"}) {
    std::string error;
    const auto zone = TimeZone::load(name, error);
    ASSERT_TRUE(zone) << name << ": " << error;
    std::ifstream in(std::string("/usr/share/zoneinfo/") + name, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t end = data.rfind('\n'), start = data.rfind('\n', end - 1) + 1;
    const auto rule = PosixTz::parse(std::string_view(data).substr(start, end - start));
    ASSERT_TRUE(rule) << name << ": " << data.substr(start);
    // Daily samples, and each transition the table has, to the second.
    int transitions = 0;
    for (std::int64_t u = unix_seconds("2027-01-01T00:00:00Z");
         u < unix_seconds("2037-01-01T00:00:00Z"); u += 86400) {
      ASSERT_EQ(zone->offset_at(u), rule->offset_at(u)) << name << " at " << u;
      if (zone->offset_at(u) == zone->offset_at(u + 86400)) continue;
      std::int64_t lo = u, hi = u + 86400;
      while (hi - lo > 1) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        (zone->offset_at(mid) == zone->offset_at(u) ? lo : hi) = mid;
      }
      ASSERT_EQ(zone->offset_at(lo), rule->offset_at(lo)) << name << " at " << lo;
      ASSERT_EQ(zone->offset_at(hi), rule->offset_at(hi)) << name << " at " << hi;
      ++transitions;
    }
    EXPECT_EQ(transitions, std::string_view(name) == "Asia/Kolkata" ? 0 : 20) << name;
  }
}

TEST(TimeZone, PosixTzStringsAndCorruptFiles) {
  for (const char* bad : {"", "C-1", "CET", "CET-1CEST", "CET-1CEST,M3.5.0",
                          "CET-1CEST,M13.1.0,M10.5.0", "<+01-1", "CET-1CEST,M3.5.0,M10.5.0/x"}) {
    EXPECT_FALSE(PosixTz::parse(bad)) << bad;
  }
  EXPECT_EQ(PosixTz::parse("<+0530>-5:30").value().offset_at(0), 19800);
  const PosixTz us = PosixTz::parse("EST5EDT,M3.2.0,M11.1.0").value();  // throws if unparsed
  EXPECT_EQ(us.offset_at(unix_seconds("2050-03-13T06:59:59Z")), -5 * 3600);
  EXPECT_EQ(us.offset_at(unix_seconds("2050-03-13T07:00:00Z")), -4 * 3600);
  EXPECT_EQ(us.offset_at(unix_seconds("2050-11-06T05:59:59Z")), -4 * 3600);
  EXPECT_EQ(us.offset_at(unix_seconds("2050-11-06T06:00:00Z")), -5 * 3600);
  std::string error;
  EXPECT_FALSE(TimeZone::from_tzif("x", "not a zone file at all", error));
  EXPECT_NE(error.find("not a TZif file"), std::string::npos) << error;
  std::string header = "TZif2" + std::string(15, '\0') + std::string(24, '\0');
  header[20 + 4 * 4 + 3] = 1;  // one type, but no data
  EXPECT_FALSE(TimeZone::from_tzif("x", header, error));
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
}

TEST(TimeZone, CachesAcrossThreads) {
  std::vector<std::shared_ptr<const TimeZone>> seen(8);
  std::vector<std::thread> threads;
  for (auto& z : seen) {
    threads.emplace_back([&z] {
      std::string e;
      z = TimeZone::load("Asia/Tokyo", e);
    });
  }
  for (auto& t : threads) t.join();
  std::string error;
  for (const auto& z : seen) EXPECT_EQ(z, TimeZone::load("Asia/Tokyo", error));
}

TEST(ScheduleSpec, EnforcesTheRules) {
  const std::array<std::array<const char*, 5>, 11> cases = {
      {{"720h", "0 3 * * *", "", "", "mutually exclusive: set exactly one"},
       {"", "", "", "", "rotation needs one of interval or schedule"},
       {"720h", "", "Europe/Berlin", "", "rotation.timeZone applies only to rotation.schedule"},
       {"30s", "", "", "", "rotation.interval \"30s\" is too short"},
       {"30d", "", "", "", "rotation.interval: unknown unit \"d\""},
       {"", "0 3 * *", "", "", "rotation.schedule: expected 5 fields"},
       {"", "0 3 * * *", "Mars/Olympus", "", "rotation.timeZone: unknown time zone"},
       {"1h", "", "", "1h", "rotation.jitter must be shorter than rotation.interval"},
       {"1h", "", "", "-1m", "rotation.jitter: negative"},
       {"", "0 * * * *", "", "2h", "shortest gap between rotation.schedule's times (1h)"},
       // Spring forward makes one day 23 hours long.
       {"", "0 2 * * *", "Europe/Berlin", "23h30m", "(23h)"}}};
  for (const auto& [interval, schedule, zone, jitter, want] : cases) {
    std::string error;
    EXPECT_FALSE(Schedule::from_spec(interval, schedule, zone, jitter, error)) << want;
    EXPECT_NE(error.find(want), std::string::npos) << error;
  }
  std::string error;
  EXPECT_TRUE(Schedule::from_spec("1m", "", "", "59s", error)) << error;
  EXPECT_TRUE(Schedule::from_spec("", "0 2 * * *", "Europe/Berlin", "22h", error)) << error;
  EXPECT_TRUE(Schedule::from_spec("", "* * * * *", "", "30s", error)) << error;
}

TEST(ScheduleSpec, NextRotationWithoutJitter) {
  std::string error;
  const auto interval = Schedule::from_spec("720h", "", "", "", error);
  const auto cron_in_zone = Schedule::from_spec("", "0 2 * * *", "Europe/Berlin", "", error);
  ASSERT_TRUE(interval && cron_in_zone) << error;
  EXPECT_EQ(format_rfc3339(interval->next_rotation(at("2026-01-01T00:00:00Z"), "uid")),
            "2026-01-31T00:00:00Z");
  EXPECT_EQ(format_rfc3339(cron_in_zone->next_rotation(at("2026-03-28T12:00:00Z"), "uid")),
            "2026-03-29T01:00:00Z");
}

TEST(ScheduleSpec, JitterIsDeterministicAndWithinBound) {
  std::string error;
  for (const auto& [interval, cron_expr] : {std::pair{"720h", ""}, std::pair{"", "0 3 * * *"}}) {
    const auto s = Schedule::from_spec(interval, cron_expr, "", "1h", error);
    ASSERT_TRUE(s) << error;
    const TimePoint last = at("2026-01-01T05:00:00Z");
    const TimePoint due = *cron_expr ? at("2026-01-02T03:00:00Z") : last + 720h;
    std::set<std::int64_t> distinct;
    bool early_half = false, late_half = false;
    for (int i = 0; i < 200; ++i) {
      const std::string uid = "0b6f8a4e-uid-" + std::to_string(i);
      const TimePoint next = s->next_rotation(last, uid);
      EXPECT_EQ(next, s->next_rotation(last, uid));  // a restart computes the same time
      EXPECT_GE(next, due);
      EXPECT_LT(next, due + 1h);
      distinct.insert(next.time_since_epoch().count());
      (next - due < 30min ? early_half : late_half) = true;
    }
    EXPECT_GT(distinct.size(), 190u);
    EXPECT_TRUE(early_half && late_half);
    // Cycles differ for one object, so it doesn't always come last.
    EXPECT_NE(s->jitter_for("uid", due), s->jitter_for("uid", due + 24h));
  }
}

}  // namespace
}  // namespace rotor::schedule
