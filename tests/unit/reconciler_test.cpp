// The reconciler: every path of a rotation, the crash windows, and that no password reaches
// a log line, an event or the status.
#include "reconciler_fixture.hpp"

namespace rotor::controller {
namespace {

using Script = rotor::testing::FakeCloud::Script;
namespace res = kube::resources;

TEST_F(ReconcilerTest, FirstRotationCreatesTheSecretAndSchedulesTheNext) {
  create_dcs();
  const runtime::Result r = reconcile();
  const auto pw = secret_key("password");
  ASSERT_TRUE(pw);
  EXPECT_EQ(pw->size(), 32u);
  EXPECT_EQ(cloud->passwords["i-1"], *pw);
  EXPECT_FALSE(pending());
  EXPECT_FALSE(secret_key("previous-password"));
  const auto secret = *api.get(res::kSecrets, "team", "cache-pw");
  EXPECT_EQ(kube::get_string(secret, {"metadata", "labels", kManagedByLabel}), "rotor");
  EXPECT_EQ(condition("Ready"), "True");
  EXPECT_EQ(kube::get_int(resource(), {"status", "rotationCount"}), 1);
  EXPECT_EQ(kube::get_string(resource(), {"status", "nextRotationTime"}),
            format_rfc3339(kStart + std::chrono::hours(720)));
  ASSERT_TRUE(r.requeue_at);
  EXPECT_EQ(*r.requeue_at, kStart + std::chrono::hours(720));
  ASSERT_FALSE(events.events.empty());
  EXPECT_EQ(events.events.back().rfind("Normal Rotated", 0), 0u);
  expect_no_leak({*pw});
  // The metrics hear of it: one pass, a rotation that called the cloud, Ready.
  ASSERT_EQ(observer.passes.size(), 1u);
  EXPECT_TRUE(observer.passes[0].rotated);
  EXPECT_TRUE(observer.passes[0].cloud_call);
  EXPECT_TRUE(observer.passes[0].ready);
  EXPECT_EQ(observer.passes[0].name, "cache");
  // The next pass only waits: no rotation, no cloud call.
  reconcile();
  ASSERT_EQ(observer.passes.size(), 2u);
  EXPECT_FALSE(observer.passes[1].rotated);
  EXPECT_FALSE(observer.passes[1].cloud_call);
}

TEST_F(ReconcilerTest, WaitsForTheIntervalThenRotatesKeepingThePrevious) {
  create_dcs();
  reconcile();
  const auto first = *secret_key("password");
  clock->advance(std::chrono::hours(1));
  EXPECT_EQ(*reconcile().requeue_at, kStart + std::chrono::hours(720));
  EXPECT_EQ(cloud->calls, 1);
  clock->advance(std::chrono::hours(720));
  reconcile();
  EXPECT_EQ(cloud->calls, 2);
  EXPECT_EQ(secret_key("previous-password"), first);
  EXPECT_NE(secret_key("password"), first);
  EXPECT_EQ(cloud->passwords["i-1"], *secret_key("password"));
  EXPECT_EQ(kube::get_int(resource(), {"status", "rotationCount"}), 2);
  expect_no_leak({first, *secret_key("password")});
}

TEST_F(ReconcilerTest, RotateNowOncePerDistinctValue) {
  create_dcs();
  reconcile();
  set_annotation("one");
  reconcile();
  EXPECT_EQ(cloud->calls, 2);
  reconcile();
  EXPECT_EQ(cloud->calls, 2);
  set_annotation("two");
  reconcile();
  EXPECT_EQ(cloud->calls, 3);
  EXPECT_EQ(kube::get_string(resource(), {"status", "lastRotateNowValue"}), "two");
}

TEST_F(ReconcilerTest, UnknownOutcomeKeepsThePendingPasswordAndSendsItAgain) {
  create_dcs();
  cloud->script = {Script::kApplyThenLose};
  const runtime::Result r = reconcile();
  EXPECT_TRUE(r.error);
  const auto pending = this->pending();
  ASSERT_TRUE(pending);
  EXPECT_EQ(cloud->passwords["i-1"], *pending);  // the cloud took it; the record holds it
  EXPECT_FALSE(secret_key("password"));          // applications never see an unconfirmed one
  EXPECT_EQ(condition("Degraded"), "True");
  EXPECT_EQ(condition("Rotating"), "True");
  reconcile();
  EXPECT_EQ(cloud->calls, 2);
  EXPECT_EQ(secret_key("password"), pending);
  EXPECT_FALSE(this->pending());
  EXPECT_EQ(condition("Ready"), "True");
  expect_no_leak({*pending});
}

TEST_F(ReconcilerTest, ACommitLostAfterTheCloudTookThePasswordIsRolledForward) {
  create_dcs();
  // The cloud applies, then every write of the target Secret fails for a while.
  bool target_down = true;
  api.hook = [&](rotor::testing::ApiVerb v, const kube::ResourceRef& r,
                 const std::string& name) -> std::optional<kube::Error> {
    if (target_down && r.plural == "secrets" && name == "cache-pw" &&
        v != rotor::testing::ApiVerb::kGet)
      return kube::FakeApi::make_error(kube::ErrorKind::kServerError);
    return std::nullopt;
  };
  EXPECT_TRUE(reconcile().error);
  const auto pending = this->pending();
  ASSERT_TRUE(pending);
  EXPECT_EQ(record()->phase, rotation::Phase::kApplied);
  EXPECT_EQ(cloud->passwords["i-1"], *pending);
  EXPECT_FALSE(secret_key("password"));
  EXPECT_TRUE(reconcile().error);
  EXPECT_EQ(cloud->calls, 1);  // only the write is retried, never the call
  target_down = false;
  reconcile();
  EXPECT_EQ(cloud->calls, 1);
  EXPECT_EQ(secret_key("password"), pending);
  EXPECT_EQ(cloud->passwords["i-1"], *secret_key("password"));
  EXPECT_FALSE(this->pending());
}

TEST_F(ReconcilerTest, WrongOldPasswordDegradesOnceAndWaitsForAPerson) {
  create_dcs(R"(,"method":"Change")");
  put_secret("Wrong-Old-1");
  cloud->passwords["i-1"] = "Real-Current-1";
  reconcile();
  EXPECT_EQ(cloud->calls, 1);
  EXPECT_EQ(condition("Degraded"), "True");
  EXPECT_EQ(condition("Degraded", "reason"), "WrongOldPassword");
  EXPECT_FALSE(pending());
  for (int i = 0; i < 5; ++i) {
    clock->advance(std::chrono::hours(1000));
    reconcile();
  }
  EXPECT_EQ(cloud->calls, 1);  // never retried: no walk towards a lockout
  // A person fixes the Secret: one more attempt, which now succeeds.
  set_secret_password("Real-Current-1");
  reconcile();
  EXPECT_EQ(cloud->calls, 2);
  EXPECT_EQ(condition("Ready"), "True");
  EXPECT_EQ(secret_key("previous-password"), "Real-Current-1");
  expect_no_leak({"Wrong-Old-1", "Real-Current-1", *secret_key("password")});
}

TEST_F(ReconcilerTest, ResetUnsupportedFallsBackToChangeAndRemembers) {
  create_dcs();
  put_secret("Current-Pw-1");
  cloud->passwords["i-1"] = "Current-Pw-1";
  cloud->reset_unsupported = true;
  reconcile();
  EXPECT_EQ(cloud->call_log, (std::vector<std::string>{"reset:i-1", "change:i-1"}));
  EXPECT_EQ(cloud->passwords["i-1"], *secret_key("password"));
  const Json after = resource();
  EXPECT_TRUE(kube::find(after, {"status", "resetUnsupported"})->as_bool());
  set_annotation("again");
  reconcile();
  EXPECT_EQ(cloud->call_log.back(), "change:i-1");
  EXPECT_EQ(cloud->call_log.size(), 3u);  // straight to change
}

TEST_F(ReconcilerTest, AnUnknownChangeAnsweredWrongOldLaterIsTakenAsApplied) {
  create_dcs(R"(,"method":"Change")");
  put_secret("Current-Pw-1");
  cloud->passwords["i-1"] = "Current-Pw-1";
  reconcile();  // a first change that rotor saw applied: its password is verified
  ASSERT_EQ(cloud->calls, 1);
  set_annotation("again");
  cloud->script = {Script::kApplyThenLose};
  reconcile();
  const auto pending = this->pending();
  ASSERT_TRUE(pending);
  reconcile();  // change(old=verified) is now refused: the lost one had applied
  EXPECT_EQ(secret_key("password"), pending);
  EXPECT_EQ(cloud->passwords["i-1"], *pending);
  bool assumed = false;
  for (const auto& e : events.events) assumed |= e.rfind("Warning AssumedApplied", 0) == 0;
  EXPECT_TRUE(assumed);
}

TEST_F(ReconcilerTest, LockedWaitsUntilTheLockEnds) {
  create_dcs();
  cloud->script = {Script::kLocked};
  const runtime::Result r = reconcile();
  ASSERT_TRUE(r.requeue_at);
  EXPECT_EQ(*r.requeue_at, kStart + std::chrono::minutes(3));
  EXPECT_EQ(condition("Locked"), "True");
  clock->advance(std::chrono::minutes(1));
  reconcile();
  EXPECT_EQ(cloud->calls, 1);
  clock->advance(std::chrono::minutes(3));
  reconcile();
  EXPECT_EQ(cloud->calls, 2);
  EXPECT_EQ(condition("Locked"), "False");
  EXPECT_EQ(cloud->passwords["i-1"], *secret_key("password"));
}

TEST_F(ReconcilerTest, AClusterAccountMustAllowTheNamespace) {
  ASSERT_TRUE(
      api.create(res::kSecrets, "rotor-system",
                 obj(R"({"metadata":{"name":"creds","labels":{"rotor.dev/credentials":"true"}},
      "data":{"accessKey":")" +
                     base64_encode("AK") + R"(","secretKey":")" + base64_encode("SK") + R"("}})")));
  ASSERT_TRUE(api.create(res::kClusterCloudAccounts, "", obj(R"({"metadata":{"name":"shared"},
      "spec":{"region":"eu-de","projectId":"p1","credentials":{"secretRef":{"name":"creds","namespace":"rotor-system"}},
      "allowedNamespaces":{"names":["other"]}}})")));
  ASSERT_TRUE(api.create(res::kDcsInstances, "team", obj(R"({"metadata":{"name":"cache"},
      "spec":{"cloudAccountRef":{"name":"shared","kind":"ClusterCloudAccount"},"instanceId":"i-1",
      "rotation":{"interval":"720h"},"secret":{"name":"cache-pw"}}})")));
  reconcile();
  EXPECT_EQ(cloud->calls, 0);
  EXPECT_FALSE(pending());
  EXPECT_EQ(condition("Ready", "reason"), "AccountNotAllowed");
  ASSERT_TRUE(api.patch(res::kClusterCloudAccounts, "", "shared", kube::PatchType::kMerge,
                        obj(R"({"spec":{"allowedNamespaces":{"names":["team"]}}})")));
  reconcile();
  EXPECT_EQ(cloud->calls, 0);  // admitted namespace, but no instance listed for it yet
  EXPECT_EQ(condition("Ready", "reason"), "InstanceNotAllowed");
  ASSERT_TRUE(api.patch(
      res::kClusterCloudAccounts, "", "shared", kube::PatchType::kMerge,
      obj(R"({"spec":{"allowedInstances":[{"namespaces":{"names":["team"]},"dcs":["i-*"]}]}})")));
  reconcile();
  EXPECT_EQ(cloud->calls, 1);
  EXPECT_EQ(condition("Ready"), "True");
}

TEST_F(ReconcilerTest, BadInputGetsAClearConditionAndNoCall) {
  ASSERT_TRUE(api.create(res::kDcsInstances, "team", obj(R"({"metadata":{"name":"cache"},
      "spec":{"cloudAccountRef":{"name":"acct"},"instanceId":"i-1",
      "rotation":{"schedule":"61 * * * *"},"secret":{"name":"cache-pw"}}})")));
  reconcile();
  EXPECT_EQ(condition("Ready", "reason"), "InvalidSchedule");
  EXPECT_EQ(cloud->calls, 0);
  ASSERT_TRUE(api.patch(
      res::kDcsInstances, "team", "cache", kube::PatchType::kMerge,
      obj(R"({"spec":{"rotation":{"schedule":null,"interval":"1h"},"cloudAccountRef":{"name":"missing"}}})")));
  reconcile();
  EXPECT_EQ(condition("Ready", "reason"), "AccountNotFound");
  EXPECT_EQ(cloud->calls, 0);
}

TEST_F(ReconcilerTest, TheSecretSurvivesTheResource) {
  create_dcs();
  reconcile();
  ASSERT_TRUE(api.remove(res::kDcsInstances, "team", "cache"));
  EXPECT_FALSE(reconcile().error);
  EXPECT_TRUE(secret_key("password"));
}

}  // namespace
}  // namespace rotor::controller

namespace rotor::controller {
namespace {

TEST_F(ReconcilerTest, TheAccountsCaBundleReachesTheCloudClient) {
  std::string seen_ca;
  AccountResolver capturing{api, [&](const AccountConfig& cfg) {
                              seen_ca = cfg.ca_pem;
                              return cloud;
                            }};
  Reconciler r{{api, capturing, *clock, *random, events, log, {}}};
  ASSERT_TRUE(api.patch(res::kCloudAccounts, "team", "acct", kube::PatchType::kMerge,
                        obj(R"({"spec":{"tls":{"caSecretRef":{"name":"private-ca"}}}})")));
  create_dcs();
  r.reconcile(ResourceKind::kDcsInstance, "team", "cache");
  EXPECT_EQ(condition("Ready", "reason"), "CABundleNotFound");
  EXPECT_EQ(cloud->calls, 0);
  const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  ASSERT_TRUE(api.create(
      res::kSecrets, "team",
      obj(R"({"metadata":{"name":"private-ca","labels":{"rotor.dev/credentials":"true"}},"data":{"ca.crt":")" +
          base64_encode(pem) + R"("}})")));
  r.reconcile(ResourceKind::kDcsInstance, "team", "cache");
  EXPECT_EQ(seen_ca, pem);
  EXPECT_EQ(condition("Ready"), "True");
}

}  // namespace
}  // namespace rotor::controller
