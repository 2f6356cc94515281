// Inputs the fuzz targets of tests/fuzz found, kept here so that the normal (ASan+UBSan)
// build catches them coming back. Each test names the target that found it.
#include <gtest/gtest.h>

#include <string>

#include "cloud/federated_auth.hpp"
#include "cloud/temporary_key.hpp"
#include "kube/config.hpp"
#include "schedule/schedule.hpp"
#include "util/clock.hpp"

namespace rotor {
namespace {

// credential_fuzz: a year past 2262 overflowed the nanosecond TimePoint (undefined
// behaviour; in practice a garbage expiry), and an offset could push a time over the edge.
TEST(FuzzRegression, Rfc3339TimesBeyondATimePointAreRefused) {
  TimePoint t;
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59Z", t));
  EXPECT_FALSE(parse_rfc3339("2262-04-11T23:47:15-23:59", t));
  EXPECT_FALSE(parse_rfc3339("1677-09-21T00:12:44Z", t));
  ASSERT_TRUE(parse_rfc3339("2262-04-11T23:47:15Z", t));
  EXPECT_EQ(format_rfc3339(t), "2262-04-11T23:47:15Z");
}

TEST(FuzzRegression, Rfc3339OffsetsBeyondADayAreRefused) {
  TimePoint t;
  EXPECT_FALSE(parse_rfc3339("2026-01-01T00:00:00+24:00", t));
  EXPECT_FALSE(parse_rfc3339("2026-01-01T00:00:00-00:60", t));
  ASSERT_TRUE(parse_rfc3339("2026-01-01T00:00:00-23:59", t));
  EXPECT_EQ(format_rfc3339(t), "2026-01-01T23:59:00Z");
}

TEST(FuzzRegression, AFarOffExpiryInACredentialAnswerIsNotRead) {
  EXPECT_FALSE(cloud::token_expiry(R"({"token":{"expires_at":"9999-12-31T00:00:00Z"}})"));
  EXPECT_FALSE(
      cloud::parse_temporary_key(R"({"credential":{"access":"AK","secret":"s","securitytoken":"t",)"
                                 R"("expires_at":"9999-12-31T00:00:00Z"}})"));
  const auto expiry = cloud::token_expiry(R"({"token":{"expires_at":"2026-12-03T12:00:00Z"}})");
  ASSERT_TRUE(expiry);
  EXPECT_EQ(format_rfc3339(*expiry), "2026-12-03T12:00:00Z");
}

// kubeconfig_fuzz: a byte above 0x7f in a `*-data` field made yaml-cpp's DecodeBase64
// read outside its table (SEGV); the input, shortened.
TEST(FuzzRegression, KubeconfigDataWithANonAsciiByteIsRefused) {
  const std::string yaml =
      "current-context: dev\n"
      "contexts: [{name: dev, context: {cluster: local}}]\n"
      "clusters:\n"
      "- name: local\n"
      "  cluster:\n"
      "    server: https://127.0.0.1:6443/\n"
      "    certificate-authority-data: LS0t\xb4\xac\xce\xbc\xad\xaa\x9b\xbfTiBDRVJUSU\n";
  try {
    kube::parse_kubeconfig(yaml, "");
    ADD_FAILURE() << "a kubeconfig with invalid base64 was accepted";
  } catch (const kube::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("certificate-authority-data is not valid base64"),
              std::string::npos)
        << e.what();
  }
}

// cron_fuzz: Feb 29 that is a Sunday comes 40 years after 2088; the search stopped at 30
// and the schedule "never" fired again. The input: "0 0 29 2 */7" asked in 2094.
TEST(FuzzRegression, CronFindsAFeb29SundayAcross2100) {
  std::string error;
  const auto cron = schedule::CronSchedule::parse("0 0 29 2 */7", "", error);
  ASSERT_TRUE(cron) << error;
  TimePoint t, want;
  ASSERT_TRUE(parse_rfc3339("2094-04-21T00:00:00Z", t));
  ASSERT_TRUE(parse_rfc3339("2128-02-29T00:00:00Z", want));
  EXPECT_EQ(cron->next_after(t), want);
}

// cron_fuzz: asked within the minute before a DST gap, next_after() walked the wall clock
// from 03:00 CEST and skipped the gap's times, which fire when it ends. Found as
// "2 2 29 * */7" in Berlin; here the documented example, 02:30 on 2026-03-29.
TEST(FuzzRegression, CronAskedJustBeforeADstGapFiresAtItsEnd) {
  std::string error;
  const auto cron = schedule::CronSchedule::parse("30 2 * * *", "Europe/Berlin", error);
  ASSERT_TRUE(cron) << error;
  TimePoint t, gap_end;
  ASSERT_TRUE(parse_rfc3339("2026-03-29T00:59:30Z", t));        // 01:59:30 CET
  ASSERT_TRUE(parse_rfc3339("2026-03-29T01:00:00Z", gap_end));  // 03:00 CEST
  EXPECT_EQ(cron->next_after(t), gap_end);
}

// cron_fuzz: "7/7" in the day-of-week field read as 7-6/7, no day at all, and
// "0 0 30 2 7/7" parsed yet never fired. Sunday written as 7 starts the range.
TEST(FuzzRegression, CronWeekdaySevenWithAStepIsSunday) {
  std::string error;
  const auto cron = schedule::CronSchedule::parse("0 0 * * 7/7", "", error);
  ASSERT_TRUE(cron) << error;
  TimePoint t, sunday;
  ASSERT_TRUE(parse_rfc3339("2026-01-01T00:00:00Z", t));  // a Thursday
  ASSERT_TRUE(parse_rfc3339("2026-01-04T00:00:00Z", sunday));
  EXPECT_EQ(cron->next_after(t), sunday);
  const auto february = schedule::CronSchedule::parse("0 0 30 2 7/7", "", error);
  ASSERT_TRUE(february) << error;
  ASSERT_TRUE(parse_rfc3339("2026-02-01T00:00:00Z", sunday));
  EXPECT_EQ(february->next_after(t), sunday);
}

// kubeconfig_fuzz: "server: https://" passed the scheme check, then lost its slashes and
// came out as the URL "https:".
TEST(FuzzRegression, KubeconfigServerWithoutAHostIsRefused) {
  for (const char* server : {"https://", "http:///", "https:"}) {
    const std::string yaml = std::string("current-context: c\n") +
                             "contexts: [{name: c, context: {cluster: k}}]\n" +
                             "clusters: [{name: k, cluster: {server: \"" + server + "\"}}]\n";
    EXPECT_THROW(kube::parse_kubeconfig(yaml, ""), kube::ConfigError) << server;
  }
}

}  // namespace
}  // namespace rotor
