// The Prometheus text exposition (format 0.0.4): HELP and TYPE lines, escaping of label
// values and help texts, cumulative histogram buckets ending in +Inf with _sum and _count,
// the bind-address flags, and the process figures parsed from /proc texts.
#include <gtest/gtest.h>

#include <limits>

#include "metrics/endpoint.hpp"
#include "metrics/process.hpp"
#include "metrics/registry.hpp"

namespace rotor::metrics {
namespace {

TEST(Exposition, CounterWithLabels) {
  Registry r;
  Counter& c = r.counter("rotor_reconcile_total", "Reconciles by result.", {"kind", "result"});
  c.inc({"DcsInstance", "success"});
  c.inc({"DcsInstance", "success"});
  c.inc({"DdmAccount", "error"});
  EXPECT_EQ(r.expose(),
            "# HELP rotor_reconcile_total Reconciles by result.\n"
            "# TYPE rotor_reconcile_total counter\n"
            "rotor_reconcile_total{kind=\"DcsInstance\",result=\"success\"} 2\n"
            "rotor_reconcile_total{kind=\"DdmAccount\",result=\"error\"} 1\n");
}

TEST(Exposition, GaugeWithoutLabelsAndSpecialValues) {
  Registry r;
  Gauge& g = r.gauge("rotor_leader", "1 when leading.");
  g.set(1);
  Gauge& h = r.gauge("x", "y", {"a"});
  h.set({"inf"}, std::numeric_limits<double>::infinity());
  h.set({"nan"}, std::numeric_limits<double>::quiet_NaN());
  h.set({"half"}, 0.5);
  EXPECT_EQ(r.expose(),
            "# HELP rotor_leader 1 when leading.\n# TYPE rotor_leader gauge\nrotor_leader 1\n"
            "# HELP x y\n# TYPE x gauge\nx{a=\"half\"} 0.5\nx{a=\"inf\"} +Inf\nx{a=\"nan\"} NaN\n");
}

TEST(Exposition, EscapesLabelValuesAndHelp) {
  Registry r;
  Gauge& g = r.gauge("g", "a \\ help\nwith \"quotes\"", {"name"});
  g.set({"back\\slash \"quoted\"\nnewline"}, 1);
  EXPECT_EQ(r.expose(),
            "# HELP g a \\\\ help\\nwith \"quotes\"\n# TYPE g gauge\n"
            "g{name=\"back\\\\slash \\\"quoted\\\"\\nnewline\"} 1\n");
}

TEST(Exposition, HistogramBucketsAreCumulativeWithInf) {
  Registry r;
  Histogram& h = r.histogram("d_seconds", "Durations.", {"kind"}, {0.5, 1, 2.5});
  h.observe({"k"}, 0.25);
  h.observe({"k"}, 0.5);  // on a bound: counts in that bucket (le is "<=")
  h.observe({"k"}, 2);
  h.observe({"k"}, 30);
  EXPECT_EQ(r.expose(),
            "# HELP d_seconds Durations.\n# TYPE d_seconds histogram\n"
            "d_seconds_bucket{kind=\"k\",le=\"0.5\"} 2\n"
            "d_seconds_bucket{kind=\"k\",le=\"1\"} 2\n"
            "d_seconds_bucket{kind=\"k\",le=\"2.5\"} 3\n"
            "d_seconds_bucket{kind=\"k\",le=\"+Inf\"} 4\n"
            "d_seconds_sum{kind=\"k\"} 32.75\n"
            "d_seconds_count{kind=\"k\"} 4\n");
}

TEST(Exposition, HistogramWithoutLabels) {
  Registry r;
  Histogram& h = r.histogram("h", "x", {}, {1});
  h.observe(3);
  EXPECT_EQ(r.expose(),
            "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
            "h_sum 3\nh_count 1\n");
}

TEST(Registry, RefusesMistakes) {
  Registry r;
  r.gauge("g", "x");
  EXPECT_THROW(r.counter("g", "x"), std::invalid_argument);
  Counter& c = r.counter("c", "x", {"a"});
  EXPECT_THROW(c.inc({}), std::invalid_argument);
  EXPECT_THROW(c.inc({"v"}, -1), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "x", {}, {2, 1}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h2", "x", {"le"}, {1}), std::invalid_argument);
}

TEST(Registry, CollectorsRunBeforeExposition) {
  Registry r;
  Gauge& g = r.gauge("depth", "x");
  int calls = 0;
  r.add_collector([&] { g.set(++calls); });
  EXPECT_NE(r.expose().find("depth 1\n"), std::string::npos);
  EXPECT_NE(r.expose().find("depth 2\n"), std::string::npos);
}

TEST(BindAddress, Parses) {
  std::string error;
  auto a = parse_bind_address(":8080", error);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 8080);
  a = parse_bind_address("127.0.0.1:9", error);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  a = parse_bind_address("[::1]:8081", error);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  EXPECT_FALSE(parse_bind_address("0", error));
  EXPECT_EQ(error, "");
  EXPECT_FALSE(parse_bind_address("8080", error));
  EXPECT_NE(error, "");
  EXPECT_FALSE(parse_bind_address(":http", error));
  EXPECT_NE(error, "");
}

TEST(ProcessStats, ParsesProcTexts) {
  // Fields after the command: state(3) ... utime(14)=250 stime(15)=150 ... starttime(22)=1000
  // ... rss(24)=300.
  const std::string self =
      "42 (ro tor) S 1 42 42 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 3 0 1000 123456 300 "
      "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";
  const std::string system = "cpu  1 2 3\nbtime 1700000000\nprocesses 5\n";
  const auto s = parse_proc_stat(self, system, 100, 4096);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 4.0);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1700000010.0);
  EXPECT_DOUBLE_EQ(s->resident_memory_bytes, 300.0 * 4096);
  EXPECT_FALSE(parse_proc_stat("garbage", system, 100, 4096));
}

TEST(ProcessStats, ReadsThisProcess) {
  const auto s = read_process_stats();
  ASSERT_TRUE(s);
  EXPECT_GT(s->resident_memory_bytes, 0);
  EXPECT_GT(s->start_time_seconds, 1.5e9);
}

}  // namespace
}  // namespace rotor::metrics
