// RestApi against a real API server. Skipped unless ROTOR_TEST_KUBECONFIG names an admin
// kubeconfig (tests/e2e/test_kube_client.py sets it up with scripts/controlplane).
// ROTOR_TEST_TOKEN_KUBECONFIG, when set, is a kubeconfig for the service account
// default/default (a `kubectl create token` token), used for the RBAC test.
// Custom-resource tests need the rotor.dev CRDs applied (crds/), and are skipped otherwise.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "kube/rest_api.hpp"

namespace rotor::kube {
namespace {

using namespace resources;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const char* const kNs = "default";

Json J(const std::string& text) {
  return parse_json(text).value_or(Json::null());
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

class KubeLive : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = env("ROTOR_TEST_KUBECONFIG");
    if (path.empty()) GTEST_SKIP() << "ROTOR_TEST_KUBECONFIG not set";
    api_ = std::make_unique<RestApi>(load_kubeconfig(path));
    std::random_device rd;
    run_ = std::to_string(rd() % 1000000);
  }
  std::string name(const std::string& what) const { return "rotor-live-" + what + "-" + run_; }
  Object labelled(const std::string& n) const {
    return J(R"({"metadata":{"name":")" + n + R"(","labels":{"rotor.dev/live-run":")" + run_ +
             R"("}}})");
  }
  std::string selector() const { return "rotor.dev/live-run=" + run_; }

  std::unique_ptr<RestApi> api_;
  std::string run_;
};

TEST_F(KubeLive, SecretCrudConflictAndPreconditions) {
  const std::string n = name("secret");
  Object s = labelled(n);
  s["stringData"] = J(R"({"password":"hunter2"})");
  auto created = api_->create(kSecrets, kNs, s);
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_EQ(get_string(*created, {"data", "password"}), "aHVudGVyMg==");
  EXPECT_TRUE(api_->create(kSecrets, kNs, s).is(ErrorKind::kAlreadyExists));

  auto got = api_->get(kSecrets, kNs, n);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(get_string(*got, {"kind"}), "Secret");
  ListOptions lo;
  lo.label_selector = selector();
  auto listed = api_->list(kSecrets, kNs, lo);
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_FALSE(listed->resource_version.empty());
  EXPECT_EQ(get_string(listed->items[0], {"kind"}), "Secret");

  Object v1 = *got;
  Object edit = v1;
  edit["data"]["password"] = Json::string("bmV3");
  auto v2 = api_->replace(kSecrets, kNs, edit);
  ASSERT_TRUE(v2.ok()) << v2.error().describe();
  auto stale = api_->replace(kSecrets, kNs, v1);
  ASSERT_TRUE(stale.is(ErrorKind::kConflict)) << stale.error().describe();
  EXPECT_EQ(stale.error().http_status, 409);
  EXPECT_EQ(stale.error().reason, "Conflict");
  EXPECT_EQ(stale.error().message.find("bmV3"), std::string::npos);

  auto merged = api_->patch(kSecrets, kNs, n, PatchType::kMerge,
                            J(R"({"metadata":{"annotations":{"rotor.dev/x":"1"}}})"));
  ASSERT_TRUE(merged.ok()) << merged.error().describe();
  EXPECT_EQ(get_string(*merged, {"metadata", "annotations", "rotor.dev/x"}), "1");
  auto failed_test = api_->patch(kSecrets, kNs, n, PatchType::kJson,
                                 J(R"([{"op":"test","path":"/data/password","value":"eA=="},
                                       {"op":"remove","path":"/data/password"}])"));
  EXPECT_FALSE(failed_test.ok());
  EXPECT_TRUE(failed_test.is(ErrorKind::kInvalid)) << failed_test.error().describe();
  auto json = api_->patch(kSecrets, kNs, n, PatchType::kJson,
                          J(R"([{"op":"test","path":"/data/password","value":"bmV3"},
                                {"op":"add","path":"/data/other","value":"eA=="}])"));
  ASSERT_TRUE(json.ok()) << json.error().describe();
  EXPECT_EQ(get_string(*json, {"data", "other"}), "eA==");

  EXPECT_TRUE(api_->replace_status(kSecrets, kNs, *json).is(ErrorKind::kNotFound))
      << "Secrets have no status subresource";

  DeleteOptions wrong;
  wrong.uid = "00000000-0000-0000-0000-000000000000";
  auto refused = api_->remove(kSecrets, kNs, n, wrong);
  EXPECT_TRUE(refused.is(ErrorKind::kConflict)) << refused.error().describe();
  ASSERT_TRUE(api_->remove(kSecrets, kNs, n).ok());
  EXPECT_TRUE(api_->get(kSecrets, kNs, n).is(ErrorKind::kNotFound));
  EXPECT_TRUE(api_->remove(kSecrets, kNs, n).is(ErrorKind::kNotFound));
}

TEST_F(KubeLive, ConfigMapPatchesAndServerSideApply) {
  const std::string n = name("cm");
  Object cm = labelled(n);
  cm["data"] = J(R"({"a":"1"})");
  ASSERT_TRUE(api_->create(kConfigMaps, kNs, cm).ok());
  auto merged =
      api_->patch(kConfigMaps, kNs, n, PatchType::kMerge, J(R"({"data":{"a":null,"b":"2"}})"));
  ASSERT_TRUE(merged.ok()) << merged.error().describe();
  EXPECT_EQ(find(*merged, {"data", "a"}), nullptr);
  EXPECT_EQ(get_string(*merged, {"data", "b"}), "2");

  PatchOptions po;
  po.field_manager = "rotor-live";
  po.force = true;
  auto applied = api_->patch(kConfigMaps, kNs, n, PatchType::kApply,
                             J(R"({"metadata":{"name":")" + n + R"("},"data":{"c":"3"}})"), po);
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ(get_string(*applied, {"data", "c"}), "3");
  EXPECT_EQ(get_string(*applied, {"data", "b"}), "2") << "fields of other managers stay";

  auto replaced = *applied;
  replaced["data"] = J(R"({"only":"this"})");
  auto put = api_->replace(kConfigMaps, kNs, replaced);
  ASSERT_TRUE(put.ok()) << put.error().describe();
  EXPECT_EQ(dump(*find(*put, {"data"})), R"({"only":"this"})");
  EXPECT_TRUE(api_->replace(kConfigMaps, kNs, *applied).is(ErrorKind::kConflict));
  ASSERT_TRUE(api_->remove(kConfigMaps, kNs, n).ok());
}

TEST_F(KubeLive, CustomResourceStatusSubresourceAndGeneration) {
  auto crd = api_->get(kCustomResourceDefinitions, "", "cloudaccounts.rotor.dev");
  if (crd.is(ErrorKind::kNotFound)) GTEST_SKIP() << "rotor.dev CRDs not applied";
  ASSERT_TRUE(crd.ok()) << crd.error().describe();
  const std::string n = name("acct");
  Object acct = labelled(n);
  acct["spec"] =
      J(R"({"region":"eu-de","projectId":"p1","credentials":{"secretRef":{"name":"c"}}})");
  acct["status"] = J(R"({"observedGeneration":7})");
  auto v1 = api_->create(kCloudAccounts, kNs, acct);
  ASSERT_TRUE(v1.ok()) << v1.error().describe();
  EXPECT_EQ(get_int(*v1, {"metadata", "generation"}), 1);
  EXPECT_EQ(find(*v1, {"status"}), nullptr) << "status is ignored on create";

  Object with_status = *v1;
  with_status["status"] = J(R"({"observedGeneration":1,"conditions":[{"type":"Ready",
      "status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"Verified",
      "message":"ok"}]})");
  auto v2 = api_->replace_status(kCloudAccounts, kNs, with_status);
  ASSERT_TRUE(v2.ok()) << v2.error().describe();
  EXPECT_EQ(get_int(*v2, {"status", "observedGeneration"}), 1);
  EXPECT_EQ(get_int(*v2, {"metadata", "generation"}), 1) << "status writes keep the generation";
  EXPECT_TRUE(api_->replace_status(kCloudAccounts, kNs, with_status).is(ErrorKind::kConflict));

  auto v3 = api_->patch_status(kCloudAccounts, kNs, n, PatchType::kMerge,
                               J(R"({"status":{"observedGeneration":2}})"));
  ASSERT_TRUE(v3.ok()) << v3.error().describe();
  EXPECT_EQ(get_int(*v3, {"status", "observedGeneration"}), 2);
  EXPECT_EQ(get_string(*v3, {"status", "conditions"}), "") << "(conditions is an array)";
  EXPECT_NE(find(*v3, {"status", "conditions"}), nullptr);

  Object spec_edit = *v3;
  spec_edit["spec"]["region"] = Json::string("eu-nl");
  spec_edit["status"] = J(R"({"observedGeneration":99})");
  auto v4 = api_->replace(kCloudAccounts, kNs, spec_edit);
  ASSERT_TRUE(v4.ok()) << v4.error().describe();
  EXPECT_EQ(get_int(*v4, {"metadata", "generation"}), 2);
  EXPECT_EQ(get_int(*v4, {"status", "observedGeneration"}), 2) << "main endpoint ignores status";

  Object invalid = *v4;
  invalid["spec"]["region"] = Json::string("Not A Region");
  auto rejected = api_->replace(kCloudAccounts, kNs, invalid);
  EXPECT_TRUE(rejected.is(ErrorKind::kInvalid)) << rejected.error().describe();
  ASSERT_TRUE(api_->remove(kCloudAccounts, kNs, n).ok());
}

// Collects a watch's events with their arrival times.
struct Arrivals {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<WatchEvent, Clock::time_point>> events;

  bool handle(const WatchEvent& e) {
    std::lock_guard lock(mu);
    events.emplace_back(e, Clock::now());
    cv.notify_all();
    return true;
  }
  // The arrival time of the first event of `type` about `name` (any name if empty).
  std::optional<Clock::time_point> wait(EventType type, const std::string& name,
                                        std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    std::optional<Clock::time_point> at;
    cv.wait_for(lock, timeout, [&] {
      for (const auto& [e, t] : events) {
        if (e.type == type && (name.empty() || name_of(e.object) == name)) at = t;
      }
      return at.has_value();
    });
    return at;
  }
};

TEST_F(KubeLive, WatchDeliversEachChangePromptlyAndStopsOnRequest) {
  ListOptions lo;
  lo.label_selector = selector();
  auto start = api_->list(kConfigMaps, kNs, lo);
  ASSERT_TRUE(start.ok()) << start.error().describe();
  Arrivals arrivals;
  std::stop_source stop;
  WatchOptions wo;
  wo.resource_version = start->resource_version;
  wo.label_selector = selector();
  wo.timeout_seconds = 60;
  auto watching = std::async(std::launch::async, [&] {
    return api_->watch(
        kConfigMaps, kNs, wo, [&](const WatchEvent& e) { return arrivals.handle(e); },
        stop.get_token());
  });
  std::this_thread::sleep_for(300ms);  // let the watch get established

  const std::string n = name("watched");
  auto expect_prompt = [&](EventType type, Clock::time_point written) {
    auto at = arrivals.wait(type, n, 5s);
    ASSERT_TRUE(at.has_value()) << to_string(type) << " never arrived";
    EXPECT_LT(*at - written, 2s) << to_string(type) << " took too long";
  };
  auto t0 = Clock::now();
  ASSERT_TRUE(api_->create(kConfigMaps, kNs, labelled(n)).ok());
  expect_prompt(EventType::kAdded, t0);
  t0 = Clock::now();
  ASSERT_TRUE(api_->patch(kConfigMaps, kNs, n, PatchType::kMerge, J(R"({"data":{"k":"v"}})")).ok());
  expect_prompt(EventType::kModified, t0);
  t0 = Clock::now();
  ASSERT_TRUE(api_->remove(kConfigMaps, kNs, n).ok());
  expect_prompt(EventType::kDeleted, t0);

  // Stopping from this thread ends the blocked read promptly.
  const auto stop_at = Clock::now();
  stop.request_stop();
  ASSERT_EQ(watching.wait_for(3s), std::future_status::ready) << "stop did not end the watch";
  EXPECT_LT(Clock::now() - stop_at, 2s);
  const WatchResult r = watching.get();
  EXPECT_EQ(r.end, WatchEnd::kStopped);
  std::lock_guard lock(arrivals.mu);
  ASSERT_FALSE(arrivals.events.empty());
  EXPECT_EQ(r.last_resource_version, resource_version_of(arrivals.events.back().first.object));
}

TEST_F(KubeLive, WatchSendsBookmarksWhenAskedAndEndsAtItsTimeout) {
  ListOptions lo;
  lo.label_selector = selector();
  auto start = api_->list(kConfigMaps, kNs, lo);
  ASSERT_TRUE(start.ok());
  Arrivals arrivals;
  WatchOptions wo;
  wo.resource_version = start->resource_version;
  wo.label_selector = selector();
  // The watch cache bookmarks a watcher 2 s before its deadline, at the last resourceVersion
  // it processed for the resource, and only if that is past where the watch began.
  wo.timeout_seconds = 5;
  const auto began = Clock::now();
  auto watching = std::async(std::launch::async, [&] {
    return api_->watch(kConfigMaps, kNs, wo,
                       [&](const WatchEvent& e) { return arrivals.handle(e); });
  });
  // Changes the watch does not select: they move the cache's resourceVersion, which only a
  // bookmark can tell the watcher about.
  std::this_thread::sleep_for(300ms);
  const std::string n = name("unselected");
  ASSERT_TRUE(api_->create(kConfigMaps, kNs, J(R"({"metadata":{"name":")" + n + R"("}})")).ok());
  ASSERT_TRUE(api_->remove(kConfigMaps, kNs, n).ok());
  ASSERT_EQ(watching.wait_for(15s), std::future_status::ready);
  const WatchResult r = watching.get();
  EXPECT_EQ(r.end, WatchEnd::kClosed) << (r.error ? r.error->describe() : "");
  EXPECT_GE(Clock::now() - began, 4s);
  std::lock_guard lock(arrivals.mu);
  ASSERT_FALSE(arrivals.events.empty()) << "no BOOKMARK";
  for (const auto& [e, at] : arrivals.events) {
    EXPECT_EQ(e.type, EventType::kBookmark) << "only bookmarks match the selector";
  }
  EXPECT_GT(std::stoll(r.last_resource_version), std::stoll(start->resource_version));
}

TEST_F(KubeLive, TooOldResourceVersionIsGone) {
  // A custom resource's watch cache starts when its CRD is established, after the cluster
  // came up: resourceVersion 1 is older than anything it can replay.
  auto crd = api_->get(kCustomResourceDefinitions, "", "cloudaccounts.rotor.dev");
  if (crd.is(ErrorKind::kNotFound)) GTEST_SKIP() << "rotor.dev CRDs not applied";
  std::vector<WatchEvent> seen;
  WatchOptions wo;
  wo.resource_version = "1";
  wo.timeout_seconds = 10;
  const WatchResult r = api_->watch(kCloudAccounts, kNs, wo, [&](const WatchEvent& e) {
    seen.push_back(e);
    return true;
  });
  ASSERT_EQ(r.end, WatchEnd::kGone) << (r.error ? r.error->describe() : "no error");
  EXPECT_EQ(r.error->kind, ErrorKind::kGone);
  EXPECT_EQ(r.error->http_status, 410);
  EXPECT_EQ(r.error->reason, "Expired");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].type, EventType::kError);

  // Relisting gives a resourceVersion to watch from again.
  auto relist = api_->list(kCloudAccounts, kNs);
  ASSERT_TRUE(relist.ok());
  wo.resource_version = relist->resource_version;
  wo.timeout_seconds = 1;
  EXPECT_EQ(api_->watch(kCloudAccounts, kNs, wo, [](const WatchEvent&) { return true; }).end,
            WatchEnd::kClosed);
}

TEST_F(KubeLive, WrongCaIsATlsFailureAndInsecureSkipsVerification) {
  Config wrong = api_->config();
  wrong.ca_pem = wrong.client_cert_pem;  // a certificate, but not the one that signed the server's
  RestApi bad(wrong);
  auto r = bad.get(kNamespaces, "", "default");
  ASSERT_TRUE(r.is(ErrorKind::kTransport)) << r.error().describe();
  EXPECT_EQ(r.error().transport, http::TransportError::kTls) << r.error().describe();
  wrong.insecure_skip_tls_verify = true;
  RestApi insecure(wrong);
  auto ok = insecure.get(kNamespaces, "", "default");
  EXPECT_TRUE(ok.ok()) << ok.error().describe();
}

TEST_F(KubeLive, ServiceAccountTokenIsAllowedWhereRbacSaysSoAndForbiddenElsewhere) {
  const std::string token_config = env("ROTOR_TEST_TOKEN_KUBECONFIG");
  if (token_config.empty()) GTEST_SKIP() << "ROTOR_TEST_TOKEN_KUBECONFIG not set";
  const std::string role = name("reader");
  Object r = labelled(role);
  r["rules"] =
      J(R"([{"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list","watch"]}])");
  ASSERT_TRUE(api_->create(kRoles, kNs, r).ok());
  Object b = labelled(role);
  b["roleRef"] =
      J(R"({"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":")" + role + R"("})");
  b["subjects"] = J(R"([{"kind":"ServiceAccount","name":"default","namespace":"default"}])");
  ASSERT_TRUE(api_->create(kRoleBindings, kNs, b).ok());

  RestApi sa(load_kubeconfig(token_config));
  ASSERT_TRUE(sa.config().token);
  EXPECT_TRUE(sa.config().client_cert_pem.empty());
  // RBAC reaches the authorizer's cache through a watch: allow it a moment.
  Result<ObjectList> allowed = Error{};
  for (int i = 0; i < 50; ++i) {
    allowed = sa.list(kConfigMaps, kNs);
    if (allowed.ok()) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(allowed.ok()) << allowed.error().describe();

  auto denied = sa.get(kSecrets, kNs, "anything");
  ASSERT_TRUE(denied.is(ErrorKind::kForbidden)) << denied.error().describe();
  EXPECT_EQ(denied.error().http_status, 403);
  EXPECT_NE(denied.error().message.find("system:serviceaccount:default:default"),
            std::string::npos);
  EXPECT_TRUE(sa.create(kSecrets, kNs, labelled(name("nope"))).is(ErrorKind::kForbidden));
  const WatchResult w =
      sa.watch(kSecrets, kNs, WatchOptions{}, [](const WatchEvent&) { return true; });
  EXPECT_EQ(w.end, WatchEnd::kError);
  EXPECT_EQ(w.error->kind, ErrorKind::kForbidden);

  Config forged = sa.config();
  forged.token = TokenSource::fixed(Secret("not-a-real-token"));
  auto unauthorized = RestApi(forged).list(kConfigMaps, kNs);
  EXPECT_TRUE(unauthorized.is(ErrorKind::kUnauthorized)) << unauthorized.error().describe();

  EXPECT_TRUE(api_->remove(kRoleBindings, kNs, role).ok());
  EXPECT_TRUE(api_->remove(kRoles, kNs, role).ok());
}

}  // namespace
}  // namespace rotor::kube
