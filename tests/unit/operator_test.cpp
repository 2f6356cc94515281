// The operator's wiring against the fake API server, with a recording reconcile: a change of
// a Secret rotor manages wakes the resource that writes it (a target Secret by
// spec.secret.name, a rotation record by its rotor.dev/record-of label); a Secret without
// rotor's label wakes nothing. Real waits are only thread hand-offs, bounded by a generous
// guard, never asserted as latencies.
#include "controller/operator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "controller/metrics.hpp"
#include "runtime/cached_reads.hpp"
#include "testing/fake_api.hpp"

namespace rotor::controller {
namespace {

using kube::FakeApi;
using kube::Json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace res = kube::resources;

const TimePoint kStart = TimePoint(hours(24 * 365 * 56));
constexpr auto kGuard = seconds(20);  // "did not hang", not a latency bound

Json J(const std::string& text) {
  return kube::parse_json(text).value();
}

Json rotated(const std::string& name, const std::string& secret_name) {
  return J(R"({"metadata":{"name":")" + name + R"("},"spec":{"secret":{"name":")" + secret_name +
           R"("}}})");
}

Json secret(const std::string& name, const std::string& labels) {
  return J(R"({"metadata":{"name":")" + name + R"(","labels":)" + labels +
           R"(},"data":{"password":"b2xk"}})");
}

constexpr const char* kManaged = R"({"app.kubernetes.io/managed-by":"rotor"})";

// One worker, so that keys are reconciled in the order they were queued.
struct OperatorFixture {
  OperatorFixture() {
    const auto dcs = resource_ref(ResourceKind::kDcsInstance);
    const auto ddm = resource_ref(ResourceKind::kDdmAccount);
    EXPECT_TRUE(api.create(dcs, "team", rotated("cache", "cache-password")));
    EXPECT_TRUE(api.create(ddm, "team", rotated("app", "app-password")));
    EXPECT_TRUE(api.create(dcs, "elsewhere", rotated("cache", "cache-password")));
    EXPECT_TRUE(api.create(res::kSecrets, "team", secret("cache-password", kManaged)));
    EXPECT_TRUE(api.create(res::kSecrets, "team", secret("app-password", R"({})")));
    EXPECT_TRUE(api.create(
        res::kSecrets, "team",
        secret(
            "rotor-record.ddmaccount.app",
            R"({"app.kubernetes.io/managed-by":"rotor","rotor.dev/record-of":"ddmaccount.app"})")));
    op.start();
    EXPECT_TRUE(op.wait_synced(kGuard));
    // Every informer has listed (and queued what it found); let the pool finish that.
    EXPECT_TRUE(settle());
    clear();
  }

  bool settle() {
    const auto deadline = std::chrono::steady_clock::now() + kGuard;
    for (;;) {
      const auto m = op.queue().metrics();
      if (m.depth == 0 && m.in_flight == 0) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
  // Waits until `key` has been reconciled; returns everything reconciled until then.
  std::vector<std::string> wait_for(const std::string& key) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, kGuard,
                [&] { return std::find(keys.begin(), keys.end(), key) != keys.end(); });
    return keys;
  }
  void clear() {
    std::lock_guard lock(mu);
    keys.clear();
  }
  void edit(const std::string& name) {
    EXPECT_TRUE(api.patch(res::kSecrets, "team", name, kube::PatchType::kMerge,
                          J(R"({"data":{"password":"Zml4ZWQ="}})")));
  }

  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(kStart);
  FakeApi api{clock};
  std::ostringstream out;
  Logger log{out};
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> keys;
  Operator op{api,
              [this](ResourceKind kind, const std::string& ns, const std::string& name) {
                std::lock_guard lock(mu);
                keys.push_back(make_key(kind, ns, name));
                cv.notify_all();
                return runtime::Result::ok();
              },
              *clock, log, OperatorOptions{{}, 1, 1, {}, {}, {""}, nullptr}};
};

TEST(Operator, EditingAManagedTargetSecretWakesTheResourcesThatNameIt) {
  OperatorFixture f;
  // A Secret without rotor's label first: not even watched. Events of one watch arrive in
  // order and one worker reconciles in queue order, so had it queued "app", "app" would come
  // before "cache" here.
  f.edit("app-password");
  f.edit("cache-password");
  EXPECT_EQ(f.wait_for("dcsinstances/team/cache"),
            (std::vector<std::string>{"dcsinstances/team/cache"}))
      << "only the resource of the Secret's own namespace";
  ASSERT_TRUE(f.settle());
  f.clear();
  // Deleting it by hand wakes the resource too, to write it again.
  ASSERT_TRUE(f.api.remove(res::kSecrets, "team", "cache-password"));
  EXPECT_EQ(f.wait_for("dcsinstances/team/cache"),
            (std::vector<std::string>{"dcsinstances/team/cache"}));
}

TEST(Operator, EditingARotationRecordWakesTheResourceItNames) {
  OperatorFixture f;
  f.edit("rotor-record.ddmaccount.app");
  EXPECT_EQ(f.wait_for("ddmaccounts/team/app"), (std::vector<std::string>{"ddmaccounts/team/app"}));
}

TEST(Operator, ChangedCredentialsWakeEveryResource) {
  OperatorFixture f;
  ASSERT_TRUE(f.api.create(res::kSecrets, "rotor-system",
                           secret("creds", R"({"rotor.dev/credentials":"true"})")));
  ASSERT_TRUE(f.settle());
  // Each in turn: the order they are queued in is the caches' order, not this list's.
  for (const char* key :
       {"dcsinstances/team/cache", "ddmaccounts/team/app", "dcsinstances/elsewhere/cache"}) {
    const auto keys = f.wait_for(key);
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
}

// The reconciler's reads of resources, accounts and rotor's Secrets come from the operator's
// caches (runtime/cached_reads.hpp).
TEST(Operator, CachedReadsServeResourcesAccountsAndRotorsSecrets) {
  OperatorFixture f;
  ASSERT_TRUE(f.api.create(res::kClusterCloudAccounts, "", J(R"({"metadata":{"name":"shared"}})")));
  runtime::CachedReads reads(
      f.api,
      [&](const kube::ResourceRef& r, const std::string& ns) { return f.op.informer_for(r, ns); },
      *f.clock);
  const auto dcs = resource_ref(ResourceKind::kDcsInstance);
  const auto cached = reads.get(dcs, "team", "cache");
  ASSERT_TRUE(cached);
  EXPECT_EQ(kube::get_string(*cached, {"spec", "secret", "name"}), "cache-password");
  EXPECT_TRUE(reads.get(dcs, "team", "missing").is(kube::ErrorKind::kNotFound));
  EXPECT_EQ(reads.cache_hits(), 2u);
  EXPECT_EQ(reads.live_gets(), 0u);
  // A cluster-scoped account, once its watch has delivered it.
  const auto deadline = std::chrono::steady_clock::now() + kGuard;
  while (!reads.get(res::kClusterCloudAccounts, "", "shared") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(1));
  EXPECT_TRUE(reads.get(res::kClusterCloudAccounts, "", "shared"));
  EXPECT_EQ(reads.live_gets(), 0u);
  // A Secret labelled as rotor's comes from the cache too.
  EXPECT_TRUE(reads.get(res::kSecrets, "team", "cache-password"));
  EXPECT_EQ(reads.live_gets(), 0u);
  // The Secret cache is filtered by that label, so its misses, like kinds without an
  // informer, go to the server: an unlabelled Secret is found, a missing one is not.
  EXPECT_TRUE(reads.get(res::kSecrets, "team", "app-password"));
  EXPECT_TRUE(reads.get(res::kSecrets, "team", "nowhere").is(kube::ErrorKind::kNotFound));
  EXPECT_FALSE(reads.get(res::kNamespaces, "", "team"));
  EXPECT_EQ(reads.live_gets(), 3u);
  // get_fresh() always asks the server.
  EXPECT_TRUE(reads.get_fresh(res::kSecrets, "team", "cache-password"));
  EXPECT_EQ(reads.live_gets(), 4u);
}

// A Secret written through CachedReads reads back as written even before the informer has
// caught up, and from the cache once it has; someone else's later write wins again.
TEST(Operator, CachedReadsReadTheirOwnSecretWrites) {
  OperatorFixture f;
  runtime::CachedReads reads(
      f.api,
      [&](const kube::ResourceRef& r, const std::string& ns) { return f.op.informer_for(r, ns); },
      *f.clock);
  auto before = reads.get(res::kSecrets, "team", "cache-password");
  ASSERT_TRUE(before);
  f.op.stop();  // the informer stops here: its copy stays the old one
  Json next = *before;
  next["data"]["password"] = Json::string("bmV3");
  auto written = reads.replace(res::kSecrets, "team", next);
  ASSERT_TRUE(written);
  auto read = reads.get(res::kSecrets, "team", "cache-password");
  ASSERT_TRUE(read);
  EXPECT_EQ(kube::resource_version_of(*read), kube::resource_version_of(*written));
  EXPECT_EQ(kube::get_string(*read, {"data", "password"}), "bmV3");
  // Not forever: after kWrittenTtl the (stopped) cache answers again.
  f.clock->advance(runtime::CachedReads::kWrittenTtl + seconds(1));
  read = reads.get(res::kSecrets, "team", "cache-password");
  ASSERT_TRUE(read);
  EXPECT_EQ(kube::resource_version_of(*read), kube::resource_version_of(*before));
  // A write refused as stale proves the (stopped) cache behind: the next read answers what
  // the server holds, not the cache's copy, so a retry does not fail on it again.
  Json again = *written;
  again["data"]["password"] = Json::string("YWdhaW4=");
  auto second = reads.replace(res::kSecrets, "team", again);
  ASSERT_TRUE(second);
  f.clock->advance(runtime::CachedReads::kWrittenTtl + seconds(1));
  again["data"]["password"] = Json::string("bGF0ZQ==");
  const auto refused = reads.replace(res::kSecrets, "team", again);  // the first write's version
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, kube::ErrorKind::kConflict);
  read = reads.get(res::kSecrets, "team", "cache-password");
  EXPECT_EQ(kube::resource_version_of(*read), kube::resource_version_of(*second));
  EXPECT_EQ(kube::get_string(*read, {"data", "password"}), "YWdhaW4=");
}

// Copies of written Secrets that nobody reads again do not pile up: they expire, and the
// next write after kWrittenTtl drops them.
TEST(Operator, CachedReadsDropWrittenCopiesNobodyReadsAgain) {
  OperatorFixture f;
  runtime::CachedReads reads(
      f.api,
      [&](const kube::ResourceRef& r, const std::string& ns) { return f.op.informer_for(r, ns); },
      *f.clock);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(reads.create(
        res::kSecrets, "team",
        kube::parse_json(R"({"metadata":{"name":"w)" + std::to_string(i) + R"("},"data":{}})")
            .value()));
  }
  EXPECT_EQ(reads.written_copies(), 5u);
  f.clock->advance(runtime::CachedReads::kWrittenTtl + seconds(1));
  ASSERT_TRUE(reads.create(res::kSecrets, "team",
                           kube::parse_json(R"({"metadata":{"name":"late"},"data":{}})").value()));
  EXPECT_EQ(reads.written_copies(), 1u);
}

struct CountingObserver : OperatorObserver {
  std::mutex mu;
  int ok = 0;
  int errors = 0;
  std::vector<double> waits;
  void on_reconciled(ResourceKind, bool error, double) override {
    std::lock_guard lock(mu);
    ++(error ? errors : ok);
  }
  void on_queue_wait(double waited) override {
    std::lock_guard lock(mu);
    waits.push_back(waited);
  }
};

// A standby (leader election) runs the informers only: its caches fill and keys queue up,
// and nothing is reconciled until it leads.
TEST(Operator, AStandbyWatchesButReconcilesOnlyOnceLeading) {
  auto clock = std::make_shared<ManualClock>(kStart);
  FakeApi api{clock};
  std::ostringstream out;
  Logger log{out};
  ASSERT_TRUE(
      api.create(resource_ref(ResourceKind::kDcsInstance), "team", rotated("cache", "cache-pw")));
  CountingObserver observer;
  std::mutex mu;
  std::condition_variable cv;
  int reconciled = 0;
  Operator op{api,
              [&](ResourceKind, const std::string&, const std::string&) {
                std::lock_guard lock(mu);
                ++reconciled;
                cv.notify_all();
                return runtime::Result::failed();
              },
              *clock, log, OperatorOptions{{}, 1, 1, {}, {}, {}, &observer}};
  op.start_informers();
  ASSERT_TRUE(op.wait_synced(kGuard));
  EXPECT_TRUE(op.synced());
  const auto deadline = std::chrono::steady_clock::now() + kGuard;
  while (op.queue().metrics().depth == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(op.queue().metrics().depth, 1u);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(reconciled, 0);
  }
  clock->advance(std::chrono::seconds(5));  // the key waits 5 s for a leader's worker
  op.start_workers();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kGuard, [&] { return reconciled >= 1; }));
  }
  op.stop_workers();
  op.start_workers();  // a stopped pool stays stopped
  op.stop();
  std::lock_guard lock(observer.mu);
  EXPECT_EQ(observer.errors, 1);
  EXPECT_EQ(observer.ok, 0);
  EXPECT_EQ(observer.waits, std::vector<double>{5.0});
}

TEST(OperatorMetrics, CountsRotationsReconcilesAndLeadership) {
  metrics::Registry registry;
  OperatorMetrics m(registry);
  m.on_pass({ResourceKind::kDcsInstance, "team", "cache", true, true, true, "Rotated"});
  m.on_pass({ResourceKind::kDcsInstance, "team", "cache", false, true, false, "WrongOldPassword"});
  m.on_pass({ResourceKind::kDcsInstance, "team", "cache", false, false, true, "Waiting"});
  m.on_reconciled(ResourceKind::kDdmAccount, false, 0.2);
  m.on_reconciled(ResourceKind::kDdmAccount, true, 0.3);
  m.set_leader(true);
  const std::string text = registry.expose();
  for (const char* line :
       {"rotor_rotations_total{kind=\"DcsInstance\",result=\"success\"} 1\n",
        "rotor_rotations_total{kind=\"DcsInstance\",result=\"failure\"} 1\n",
        "rotor_reconcile_total{kind=\"DdmAccount\",result=\"success\"} 1\n",
        "rotor_reconcile_total{kind=\"DdmAccount\",result=\"error\"} 1\n",
        "rotor_reconcile_duration_seconds_count{kind=\"DdmAccount\"} 2\n",
        "rotor_reconcile_duration_seconds_bucket{kind=\"DdmAccount\",le=\"0.25\"} 1\n",
        "rotor_leader 1\n", "rotor_build_info{version=\"" ROTOR_VERSION "\"} 1\n",
        "rotor_resource_ready_status{kind=\"DcsInstance\",namespace=\"team\",name=\"cache\","
        "condition=\"True\"} 1\n",
        "rotor_resource_ready_status{kind=\"DcsInstance\",namespace=\"team\",name=\"cache\","
        "condition=\"False\"} 0\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line;
  m.on_deleted(ResourceKind::kDcsInstance, "team", "cache");
  EXPECT_EQ(registry.expose().find("rotor_resource_ready_status{"), std::string::npos);
}

}  // namespace
}  // namespace rotor::controller
