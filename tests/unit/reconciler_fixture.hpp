#pragma once
// The reconciler against an in-memory API server (FakeApi behind a HookedApi that injects
// failures and crashes) and an in-memory cloud, shared by the reconciler tests and the
// engine's regression tests.
#include <gtest/gtest.h>

#include <sstream>

#include "controller/metrics.hpp"
#include "controller/reconciler.hpp"
#include "controller/secret_store.hpp"
#include "kube/json.hpp"
#include "testing/fake_api.hpp"
#include "testing/fake_cloud.hpp"
#include "testing/hooked_api.hpp"
#include "util/base64.hpp"

namespace rotor::controller {

using kube::Json;
using rotor::testing::FakeCloud;
using Script = FakeCloud::Script;
namespace res = kube::resources;

const TimePoint kStart = std::chrono::system_clock::from_time_t(1'900'000'000);

class RecordingEvents final : public EventRecorder {
 public:
  void normal(const RotatedResource&, const std::string& reason,
              const std::string& message) override {
    events.push_back("Normal " + reason + ": " + message);
  }
  void warning(const RotatedResource&, const std::string& reason,
               const std::string& message) override {
    events.push_back("Warning " + reason + ": " + message);
  }
  std::vector<std::string> events;
};

inline Json obj(const std::string& text) {
  auto v = kube::parse_json(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : Json::object();
}

// Counts what the reconciler reports to the metrics.
struct RecordingObserver : OperatorObserver {
  std::vector<PassOutcome> passes;
  std::vector<std::string> cloud_requests;  // "service call outcome"
  std::vector<std::string> refusals;        // reasons
  void on_pass(const PassOutcome& p) override { passes.push_back(p); }
  void on_refused(ResourceKind, const std::string&, const std::string&,
                  const std::string& reason) override {
    refusals.push_back(reason);
  }
  void on_cloud_request(std::string_view service, std::string_view call,
                        cloud::OutcomeKind outcome) override {
    cloud_requests.push_back(std::string(service) + " " + std::string(call) + " " +
                             outcome_label(outcome));
  }
};

struct ReconcilerTest : ::testing::Test {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(kStart);
  kube::FakeApi store{clock};
  rotor::testing::HookedApi api{store};
  std::shared_ptr<FakeCloud> cloud = std::make_shared<FakeCloud>();
  AccountResolver accounts{api, [this](const AccountConfig&) { return cloud; }};
  std::unique_ptr<RandomSource> random = make_system_random();
  RecordingEvents events;
  std::ostringstream log_text;
  Logger log{log_text, LogFormat::kJson, LogLevel::kDebug};
  RecordingObserver observer;
  Reconciler reconciler{
      {api, accounts, *clock, *random, events, log, list_peers(store), &observer}};

  void SetUp() override {
    ASSERT_TRUE(api.create(
        res::kSecrets, "team",
        obj(R"({"metadata":{"name":"creds","labels":{"rotor.dev/credentials":"true"}},
        "data":{"accessKey":")" +
            base64_encode("AK") + R"(","secretKey":")" + base64_encode("SK-secret") + R"("}})")));
    ASSERT_TRUE(api.create(res::kCloudAccounts, "team", obj(R"({"metadata":{"name":"acct"},
        "spec":{"cloud":"HuaweiCloud","region":"eu-de","projectId":"p1","credentials":{"secretRef":{"name":"creds"}}}})")));
  }

  void create_dcs(const std::string& extra_spec = "") {
    ASSERT_TRUE(api.create(res::kDcsInstances, "team",
                           obj(R"({"metadata":{"name":"cache"},
        "spec":{"cloudAccountRef":{"name":"acct","kind":"CloudAccount"},"instanceId":"i-1",
        "rotation":{"interval":"720h","firstRotation":"Immediate"},"secret":{"name":"cache-pw"})" +
                               extra_spec + R"(}})")));
  }
  runtime::Result reconcile() {
    return reconciler.reconcile(ResourceKind::kDcsInstance, "team", "cache");
  }
  Json resource() { return *api.get(res::kDcsInstances, "team", "cache"); }
  std::optional<std::string> secret_key(const std::string& key) {
    auto s = api.get(res::kSecrets, "team", "cache-pw");
    if (!s) return std::nullopt;
    const Json* v = kube::find(*s, {"data", key});
    if (!v) return std::nullopt;
    return base64_decode(v->as_string());
  }
  std::string condition(const std::string& type, const char* field = "status") {
    const Json r = resource();
    const Json* c = kube::find(r, {"status", "conditions"});
    if (!c) return "";
    for (const auto& x : c->as_array()) {
      if (kube::get_string(x, {"type"}) == type) return kube::get_string(x, {field});
    }
    return "";
  }
  // The pending password in the resource's rotation record, if any.
  std::optional<std::string> pending(const std::string& name = "cache") {
    auto rec = record(name);
    if (!rec || !rec->pending) return std::nullopt;
    return rec->pending->reveal();
  }
  std::optional<rotation::RotationRecord> record(const std::string& name = "cache") {
    auto s = store.get(res::kSecrets, "team", record_secret_name(ResourceKind::kDcsInstance, name));
    if (!s) return std::nullopt;
    const auto text = base64_decode(kube::get_string(*s, {"data", "record"}));
    std::string error;
    return text ? rotation::from_json(*text, error) : std::nullopt;
  }
  void put_secret(const std::string& password, const std::string& name = "cache-pw") {
    ASSERT_TRUE(store.create(
        res::kSecrets, "team",
        obj(R"({"metadata":{"name":")" + name +
            R"(","labels":{"app.kubernetes.io/managed-by":"rotor"}},"data":{"password":")" +
            base64_encode(password) + R"("}})")));
  }
  void set_secret_password(const std::string& password) {
    ASSERT_TRUE(store.patch(res::kSecrets, "team", "cache-pw", kube::PatchType::kMerge,
                            obj(R"({"data":{"password":")" + base64_encode(password) + R"("}})")));
  }
  int wrong_attempts() { return cloud->wrong_old["i-1"]; }
  void set_annotation(const std::string& value) {
    ASSERT_TRUE(api.patch(
        res::kDcsInstances, "team", "cache", kube::PatchType::kMerge,
        obj(R"({"metadata":{"annotations":{"rotor.dev/rotate-now":")" + value + R"("}}})")));
  }
  // Every password the cloud ever held must be absent from logs, events and status.
  void expect_no_leak(const std::vector<std::string>& secrets) {
    const std::string status = kube::dump(resource());
    for (const auto& s : secrets) {
      if (s.empty()) continue;
      EXPECT_EQ(log_text.str().find(s), std::string::npos) << "password in the log";
      EXPECT_EQ(status.find(s), std::string::npos) << "password in the status";
      for (const auto& e : events.events)
        EXPECT_EQ(e.find(s), std::string::npos) << "password in an event";
    }
    EXPECT_EQ(log_text.str().find("SK-secret"), std::string::npos);
  }
};

}  // namespace rotor::controller
