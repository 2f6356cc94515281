// Leader election against the fake API server with a ManualClock: every attempt runs inside
// advance() on the test's thread, so each step is observed exactly, without sleeping.
#include "runtime/leader_election.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "testing/fake_api.hpp"

namespace rotor::runtime {
namespace {

using kube::FakeApi;
using std::chrono::hours;
using std::chrono::seconds;
namespace res = kube::resources;

const TimePoint kStart = TimePoint(hours(24 * 365 * 56));

struct Candidate {
  Candidate(FakeApi& api, const Clock& clock, Logger& log, const std::string& id,
            bool release_on_stop = true)
      : elector(api, clock, log, options(id, release_on_stop),
                {[this] { ++started; }, [this] { ++stopped; }}) {}

  static LeaderElectionOptions options(const std::string& id, bool release_on_stop) {
    LeaderElectionOptions o;
    o.lease_namespace = "rotor-system";
    o.lease_name = "rotor";
    o.identity = id;
    o.release_on_stop = release_on_stop;
    return o;  // 15 s / 10 s / 2 s
  }

  int started = 0;
  int stopped = 0;
  LeaderElector elector;
};

struct LeaderElectionTest : ::testing::Test {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(kStart);
  FakeApi api{clock};
  std::ostringstream out;
  Logger log{out};

  kube::Object lease() { return api.get(res::kLeases, "rotor-system", "rotor").value(); }
  std::string holder() { return kube::get_string(lease(), {"spec", "holderIdentity"}); }
  void step(Duration d) { clock->advance(d); }
};

TEST_F(LeaderElectionTest, CreatesTheLeaseAndLeads) {
  Candidate a(api, *clock, log, "a");
  a.elector.start();
  EXPECT_FALSE(a.elector.leading());  // the first attempt runs on the clock
  step(seconds(0));
  EXPECT_TRUE(a.elector.leading());
  EXPECT_EQ(a.started, 1);
  EXPECT_EQ(holder(), "a");
  EXPECT_EQ(kube::get_int(lease(), {"spec", "leaseDurationSeconds"}), 15);
  EXPECT_EQ(kube::get_string(lease(), {"spec", "renewTime"}), format_micro_time(kStart));
}

TEST_F(LeaderElectionTest, RenewsEveryRetryPeriod) {
  Candidate a(api, *clock, log, "a");
  a.elector.start();
  step(seconds(0));
  const std::string acquired = kube::get_string(lease(), {"spec", "acquireTime"});
  step(seconds(2));
  EXPECT_EQ(kube::get_string(lease(), {"spec", "renewTime"}),
            format_micro_time(kStart + seconds(2)));
  step(seconds(2));
  EXPECT_EQ(kube::get_string(lease(), {"spec", "renewTime"}),
            format_micro_time(kStart + seconds(4)));
  EXPECT_EQ(kube::get_string(lease(), {"spec", "acquireTime"}), acquired);
  EXPECT_TRUE(a.elector.leading());
  EXPECT_EQ(a.started, 1);
}

TEST_F(LeaderElectionTest, SecondCandidateStaysStandby) {
  Candidate a(api, *clock, log, "a");
  a.elector.start();
  step(seconds(0));
  Candidate b(api, *clock, log, "b");
  b.elector.start();
  for (int i = 0; i < 20; ++i) step(seconds(1));
  EXPECT_TRUE(a.elector.leading());
  EXPECT_FALSE(b.elector.leading());
  EXPECT_EQ(b.started, 0);
  EXPECT_EQ(b.elector.observed_holder(), "a");
  EXPECT_EQ(holder(), "a");
}

TEST_F(LeaderElectionTest, StandbyTakesOverAfterTheLeaseExpires) {
  auto a = std::make_unique<Candidate>(api, *clock, log, "a", /*release_on_stop=*/false);
  a->elector.start();
  step(seconds(0));
  Candidate b(api, *clock, log, "b");
  b.elector.start();
  step(seconds(0));
  a->elector.stop();  // as if killed: no release
  a.reset();
  const std::int64_t transitions = kube::get_int(lease(), {"spec", "leaseTransitions"});
  // Last renewed at kStart: not before kStart + 15 s.
  step(seconds(14));
  EXPECT_FALSE(b.elector.leading());
  step(seconds(2));
  EXPECT_TRUE(b.elector.leading());
  EXPECT_EQ(b.started, 1);
  EXPECT_EQ(holder(), "b");
  EXPECT_EQ(kube::get_int(lease(), {"spec", "leaseTransitions"}), transitions + 1);
}

TEST_F(LeaderElectionTest, TakesOverAStaleLeaseLeftByAnother) {
  ASSERT_TRUE(api.create(res::kLeases, "rotor-system",
                         kube::parse_json(R"({"metadata":{"name":"rotor"},"spec":{
                           "holderIdentity":"gone","leaseDurationSeconds":15,
                           "renewTime":")" +
                                          format_micro_time(kStart - seconds(60)) + R"("}})")
                             .value()));
  Candidate b(api, *clock, log, "b");
  b.elector.start();
  step(seconds(0));
  EXPECT_TRUE(b.elector.leading());
  EXPECT_EQ(holder(), "b");
}

TEST_F(LeaderElectionTest, ReleaseOnStopHandsOverAtOnce) {
  Candidate a(api, *clock, log, "a");
  a.elector.start();
  step(seconds(0));
  Candidate b(api, *clock, log, "b");
  b.elector.start();
  step(seconds(1));
  EXPECT_FALSE(b.elector.leading());
  a.elector.stop();
  EXPECT_FALSE(a.elector.leading());
  EXPECT_EQ(a.stopped, 0);  // a graceful stop is not a loss
  EXPECT_EQ(holder(), "");
  EXPECT_EQ(kube::get_int(lease(), {"spec", "leaseDurationSeconds"}), 1);
  step(seconds(2));  // b's next attempt
  EXPECT_TRUE(b.elector.leading());
  EXPECT_EQ(holder(), "b");
}

TEST_F(LeaderElectionTest, AConflictOnRenewLosesLeadership) {
  Candidate a(api, *clock, log, "a");
  a.elector.start();
  step(seconds(0));
  api.fail_next(1, FakeApi::make_error(kube::ErrorKind::kConflict), FakeApi::Verb::kReplace,
                res::kLeases);
  step(seconds(2));
  EXPECT_FALSE(a.elector.leading());
  EXPECT_EQ(a.stopped, 1);
  step(seconds(20));  // lost is final: no more attempts
  EXPECT_FALSE(a.elector.leading());
  EXPECT_EQ(a.started, 1);
  EXPECT_EQ(a.stopped, 1);
}

TEST_F(LeaderElectionTest, ALeaseTakenByAnotherLosesLeadership) {
  Candidate a(api, *clock, log, "a");
  a.elector.start();
  step(seconds(0));
  kube::Object l = lease();
  l["spec"]["holderIdentity"] = kube::Json::string("intruder");
  ASSERT_TRUE(api.replace(res::kLeases, "rotor-system", l));
  step(seconds(2));
  EXPECT_FALSE(a.elector.leading());
  EXPECT_EQ(a.stopped, 1);
}

TEST_F(LeaderElectionTest, RenewFailuresPastTheDeadlineLoseLeadership) {
  Candidate a(api, *clock, log, "a");
  a.elector.start();
  step(seconds(0));
  api.fail_next(100, FakeApi::make_error(kube::ErrorKind::kServerError), FakeApi::Verb::kGet,
                res::kLeases);
  for (int i = 0; i < 4; ++i) step(seconds(2));  // 8 s without a renewal: still leading
  EXPECT_TRUE(a.elector.leading());
  step(seconds(2));  // 10 s: the renew deadline
  EXPECT_FALSE(a.elector.leading());
  EXPECT_EQ(a.stopped, 1);
}

TEST_F(LeaderElectionTest, OptionsAreValidated) {
  auto o = Candidate::options("a", true);
  EXPECT_EQ(validate(o), "");
  o.renew_deadline = o.lease_duration;
  EXPECT_NE(validate(o), "");
  o = Candidate::options("a", true);
  o.retry_period = o.renew_deadline;
  EXPECT_NE(validate(o), "");
  o = Candidate::options("", true);
  EXPECT_NE(validate(o), "");
  o = Candidate::options("a", true);
  EXPECT_EQ(election_request_timeout(o), std::chrono::milliseconds(2500));
}

TEST(MicroTime, HasSixDigitsAndRoundTrips) {
  const TimePoint t = kStart + std::chrono::microseconds(1500);
  EXPECT_EQ(format_micro_time(TimePoint(seconds(0)) + std::chrono::microseconds(1500)),
            "1970-01-01T00:00:00.001500Z");
  TimePoint back;
  ASSERT_TRUE(parse_micro_time(format_micro_time(t), back));
  EXPECT_EQ(back, t);
  ASSERT_TRUE(parse_micro_time("1970-01-01T00:00:01.5Z", back));
  EXPECT_EQ(back, TimePoint(std::chrono::milliseconds(1500)));
  EXPECT_FALSE(parse_micro_time("yesterday", back));
}

// A claim runs out at renewTime + leaseDurationSeconds to the microsecond, not to the
// second: a standby must not take over early.
TEST_F(LeaderElectionTest, HonoursTheFractionOfTheRenewTime) {
  ASSERT_TRUE(api.create(
      res::kLeases, "rotor-system",
      kube::parse_json(R"({"metadata":{"name":"rotor"},"spec":{
                           "holderIdentity":"other","leaseDurationSeconds":15,
                           "renewTime":")" +
                       format_micro_time(kStart + std::chrono::milliseconds(900)) + R"("}})")
          .value()));
  Candidate b(api, *clock, log, "b");
  b.elector.start();
  clock->set(kStart + seconds(15) + std::chrono::milliseconds(800));
  EXPECT_FALSE(b.elector.leading());
  clock->set(kStart + seconds(15) + std::chrono::milliseconds(900));
  clock->advance(seconds(0));
  // The next attempt after the claim ran out takes it.
  clock->advance(seconds(2));
  EXPECT_TRUE(b.elector.leading());
}

}  // namespace
}  // namespace rotor::runtime
