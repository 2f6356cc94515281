// What the reconciler tells the metrics and the Events: each cloud call with its outcome,
// a rotation's duration, the last and next rotation, locks and blocks; an Event when a
// resource becomes blocked (once, not at every pass); and how the exported series follow.
#include "reconciler_fixture.hpp"

namespace rotor::controller {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

int count_prefix(const std::vector<std::string>& events, const std::string& prefix) {
  int n = 0;
  for (const auto& e : events) n += e.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

TEST_F(ReconcilerTest, EveryCloudCallIsReportedWithItsOutcome) {
  create_dcs();
  put_secret("Current-Pw-1");
  cloud->passwords["i-1"] = "Current-Pw-1";
  cloud->reset_unsupported = true;
  reconcile();
  // One pass, two calls: the reset refused with DCS.4839, then the change.
  EXPECT_EQ(observer.cloud_requests,
            (std::vector<std::string>{"dcs reset reset_unsupported", "dcs change applied"}));
  EXPECT_EQ(count_prefix(events.events, "Normal FellBackToChange"), 1);
}

TEST_F(ReconcilerTest, ARotationReportsItsDurationAndSchedule) {
  create_dcs();
  // The cloud takes 3 s to answer.
  cloud->on_call = [this] { clock->advance(seconds(3)); };
  reconcile();
  ASSERT_EQ(observer.passes.size(), 1u);
  const PassOutcome first = observer.passes[0];
  ASSERT_TRUE(first.rotation_seconds);
  EXPECT_DOUBLE_EQ(*first.rotation_seconds, 3.0);
  // The engine stamps a pass with its start.
  EXPECT_EQ(first.last_rotation, kStart);
  EXPECT_EQ(first.next_rotation, kStart + hours(720));
  EXPECT_FALSE(first.locked);
  EXPECT_FALSE(first.blocked);
  // A pass that only waits reports no duration and the same schedule.
  reconcile();
  EXPECT_FALSE(observer.passes[1].rotation_seconds);
  EXPECT_EQ(observer.passes[1].next_rotation, first.next_rotation);
}

TEST_F(ReconcilerTest, ARotationRetriedAcrossPassesCountsFromItsFirstAttempt) {
  create_dcs();
  cloud->script = {Script::kBusy};
  reconcile();
  EXPECT_FALSE(observer.passes.back().rotation_seconds);
  EXPECT_EQ(observer.cloud_requests, (std::vector<std::string>{"dcs reset busy"}));
  clock->advance(minutes(2));
  reconcile();
  ASSERT_TRUE(observer.passes.back().rotation_seconds);
  EXPECT_DOUBLE_EQ(*observer.passes.back().rotation_seconds, 120.0);
}

TEST_F(ReconcilerTest, ALockIsReportedAndKeepsTheOverdueSchedule) {
  create_dcs();
  reconcile();
  const auto due = observer.passes.back().next_rotation;
  ASSERT_TRUE(due);
  clock->advance(hours(721));
  cloud->script = {Script::kLocked};
  reconcile();
  const PassOutcome locked = observer.passes.back();
  EXPECT_TRUE(locked.locked);
  EXPECT_FALSE(locked.ready);
  // Status shows no next rotation while locked, but the metric keeps the missed due time,
  // so that an "overdue" alert can fire.
  EXPECT_EQ(locked.next_rotation, due);
  EXPECT_EQ(count_prefix(events.events, "Warning Locked"), 1);
  clock->advance(minutes(1));
  reconcile();  // still locked: no second Event
  EXPECT_EQ(count_prefix(events.events, "Warning Locked"), 1);
}

TEST_F(ReconcilerTest, ABlockIsAnEventOnceAndAMetricUntilLifted) {
  create_dcs(R"(,"method":"Change")");  // Change needs the current password: none here
  reconcile();
  EXPECT_EQ(kube::get_string(resource(), {"status", "blockedReason"}), "NoCurrentPassword");
  EXPECT_TRUE(observer.passes.back().blocked);
  EXPECT_EQ(count_prefix(events.events, "Warning NoCurrentPassword"), 1);
  clock->advance(hours(1));
  reconcile();
  EXPECT_EQ(count_prefix(events.events, "Warning NoCurrentPassword"), 1);
  EXPECT_TRUE(observer.passes.back().blocked);
  EXPECT_TRUE(observer.cloud_requests.empty());
  put_secret("Current-Pw-1");
  cloud->passwords["i-1"] = "Current-Pw-1";
  reconcile();
  EXPECT_FALSE(observer.passes.back().blocked);
  EXPECT_EQ(observer.cloud_requests, (std::vector<std::string>{"dcs change applied"}));
  expect_no_leak({"Current-Pw-1", *secret_key("password")});
}

TEST_F(ReconcilerTest, ABlockCausedByAnAnswerNamesTheBlockInItsEvent) {
  create_dcs(R"(,"method":"Change")");
  put_secret("Current-Pw-1");
  cloud->passwords["i-1"] = "Current-Pw-1";
  reconcile();  // rotor sees its change work
  set_annotation("again");
  cloud->script = {Script::kUnknown};  // lost, and in fact not applied
  reconcile();
  EXPECT_EQ(count_prefix(events.events, "Warning OutcomeUnknown"), 1);
  // A person writes a wrong password meanwhile; the change carrying it is refused, and
  // rotor cannot tell which password the instance has: blocked.
  set_secret_password("Wrong-Typed-1");
  reconcile();
  EXPECT_EQ(kube::get_string(resource(), {"status", "blockedReason"}), "NeedsConfirmation");
  EXPECT_EQ(count_prefix(events.events, "Warning NeedsConfirmation"), 1);
  EXPECT_EQ(count_prefix(events.events, "Warning WrongOldPassword"), 0);
  EXPECT_EQ(observer.cloud_requests.back(), "dcs change wrong_old_password");
  EXPECT_TRUE(observer.passes.back().blocked);
  expect_no_leak({"Current-Pw-1", "Wrong-Typed-1", *pending()});
}

TEST_F(ReconcilerTest, APassThatCannotReadItsRecordSaysSo) {
  create_dcs();
  reconcile();
  ASSERT_TRUE(observer.passes.back().record_known);
  api.hook = [](rotor::testing::ApiVerb verb, const kube::ResourceRef& r,
                const std::string& name) -> std::optional<kube::Error> {
    if (verb == rotor::testing::ApiVerb::kGet && r == res::kSecrets &&
        name.rfind("rotor-record.", 0) == 0)
      return kube::error_from_response(500, "etcd away");
    return std::nullopt;
  };
  reconcile();
  ASSERT_EQ(observer.passes.size(), 2u);
  EXPECT_FALSE(observer.passes.back().record_known);
  EXPECT_FALSE(observer.passes.back().ready);
}

TEST_F(ReconcilerTest, ARefusedResourceIsReportedNotReady) {
  ASSERT_TRUE(api.create(res::kDcsInstances, "team", obj(R"({"metadata":{"name":"cache"},
      "spec":{"cloudAccountRef":{"name":"acct"},"instanceId":"i-1",
      "rotation":{"schedule":"61 * * * *"},"secret":{"name":"cache-pw"}}})")));
  reconcile();
  EXPECT_EQ(observer.refusals, std::vector<std::string>{"InvalidSchedule"});
  EXPECT_TRUE(observer.passes.empty());
  EXPECT_TRUE(observer.cloud_requests.empty());
}

TEST(OperatorMetricsExport, ARefusalTurnsReadyFalseAndKeepsTheSchedule) {
  metrics::Registry registry;
  OperatorMetrics m(registry);
  PassOutcome p{ResourceKind::kDdmAccount, "team", "db", true, true, true, "Rotated"};
  p.next_rotation = std::chrono::system_clock::from_time_t(1'902'592'123);
  m.on_pass(p);
  m.on_refused(ResourceKind::kDdmAccount, "team", "db", "AccountNotFound");
  const std::string id = "kind=\"DdmAccount\",namespace=\"team\",name=\"db\"";
  const std::string text = registry.expose();
  EXPECT_NE(text.find("rotor_resource_ready_status{" + id + ",condition=\"False\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("rotor_resource_ready_status{" + id + ",condition=\"True\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("rotor_resource_next_rotation_timestamp_seconds{" + id + "} 1902592123\n"),
            std::string::npos);
}

TEST(OperatorMetricsExport, PerResourceSeriesFollowThePassesAndGoWithTheResource) {
  metrics::Registry registry;
  OperatorMetrics m(registry);
  PassOutcome p{ResourceKind::kDcsInstance, "team", "cache", true, true, true, "Rotated"};
  p.rotation_seconds = 1.5;
  p.last_rotation = std::chrono::system_clock::from_time_t(1'900'000'123);
  p.next_rotation = std::chrono::system_clock::from_time_t(1'902'592'123);
  p.blocked = true;
  m.on_pass(p);
  m.on_cloud_request("dcs", "reset", cloud::OutcomeKind::kResetUnsupported);
  m.on_cloud_request("dcs", "change", cloud::OutcomeKind::kApplied);
  m.on_cloud_request("dcs", "change", cloud::OutcomeKind::kApplied);
  m.on_queue_wait(0.02);
  m.on_kube_request("get", "secrets", "404");
  m.on_kube_request("patch", "dcsinstances/status", "200");
  const std::string id = "kind=\"DcsInstance\",namespace=\"team\",name=\"cache\"";
  const std::string text = registry.expose();
  for (const std::string& line : std::vector<std::string>{
           "rotor_rotation_duration_seconds_bucket{kind=\"DcsInstance\",le=\"1\"} 0\n",
           "rotor_rotation_duration_seconds_bucket{kind=\"DcsInstance\",le=\"2.5\"} 1\n",
           "rotor_rotation_duration_seconds_sum{kind=\"DcsInstance\"} 1.5\n",
           "rotor_cloud_requests_total{service=\"dcs\",call=\"reset\",outcome=\"reset_"
           "unsupported\"} "
           "1\n",
           "rotor_cloud_requests_total{service=\"dcs\",call=\"change\",outcome=\"applied\"} 2\n",
           "rotor_workqueue_queue_duration_seconds_bucket{le=\"0.01\"} 0\n",
           "rotor_workqueue_queue_duration_seconds_bucket{le=\"0.05\"} 1\n",
           "rotor_kube_requests_total{verb=\"get\",resource=\"secrets\",code=\"404\"} 1\n",
           "rotor_kube_requests_total{verb=\"patch\",resource=\"dcsinstances/"
           "status\",code=\"200\"} "
           "1\n",
           "rotor_resource_last_rotation_timestamp_seconds{" + id + "} 1900000123\n",
           "rotor_resource_next_rotation_timestamp_seconds{" + id + "} 1902592123\n",
           "rotor_resource_locked{" + id + "} 0\n", "rotor_resource_blocked{" + id + "} 1\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  // A pass that could not read the record says nothing about the schedule: it stands.
  PassOutcome unknown{ResourceKind::kDcsInstance, "team", "cache", false, false, false,
                      "StoreReadFailed"};
  unknown.record_known = false;
  m.on_pass(unknown);
  EXPECT_NE(registry.expose().find("rotor_resource_next_rotation_timestamp_seconds{" + id +
                                   "} 1902592123\n"),
            std::string::npos);
  // Suspended: no next rotation, so no series an "overdue" alert could fire on.
  p.next_rotation.reset();
  p.blocked = false;
  m.on_pass(p);
  const std::string suspended = registry.expose();
  EXPECT_EQ(suspended.find("rotor_resource_next_rotation_timestamp_seconds{"), std::string::npos);
  EXPECT_NE(suspended.find("rotor_resource_blocked{" + id + "} 0\n"), std::string::npos);
  m.on_deleted(ResourceKind::kDcsInstance, "team", "cache");
  const std::string gone = registry.expose();
  for (const char* family :
       {"rotor_resource_last_rotation_timestamp_seconds{", "rotor_resource_locked{",
        "rotor_resource_blocked{", "rotor_resource_ready_status{"})
    EXPECT_EQ(gone.find(family), std::string::npos) << family;
}

}  // namespace
}  // namespace rotor::controller
