// The tenancy holes of issue "Tenancy and identity", each refused with a condition that says
// why, and nothing sent to the cloud (docs/SECURITY.md cites these tests).
#include "access/endpoint_policy.hpp"
#include "access/instance_scope.hpp"
#include "cloud/password_api.hpp"
#include "reconciler_fixture.hpp"
#include "testing/fake_http.hpp"

namespace rotor::controller {
namespace {

struct Tenancy : ReconcilerTest {
  void shared_account(const std::string& rules) {
    ASSERT_TRUE(api.create(
        res::kSecrets, "rotor-system",
        obj(R"({"metadata":{"name":"creds","labels":{"rotor.dev/credentials":"true"}},
        "data":{"accessKey":")" +
            base64_encode("AK") + R"(","secretKey":")" + base64_encode("SK-secret") + R"("}})")));
    ASSERT_TRUE(api.create(res::kClusterCloudAccounts, "",
                           obj(R"({"metadata":{"name":"shared"},
        "spec":{"region":"eu-de","projectId":"p1",
        "credentials":{"secretRef":{"name":"creds","namespace":"rotor-system"}},
        "allowedNamespaces":{"names":["team-a","team-b"]})" +
                               rules + "}}")));
  }
  void tenant_dcs(const std::string& ns, const std::string& instance) {
    ASSERT_TRUE(api.create(
        res::kDcsInstances, ns,
        obj(R"({"metadata":{"name":"cache"},
        "spec":{"cloudAccountRef":{"name":"shared","kind":"ClusterCloudAccount"},
        "instanceId":")" +
            instance + R"(","rotation":{"interval":"720h"},"secret":{"name":"cache-pw"}}})")));
  }
  std::string condition_in(const std::string& ns, const char* field) {
    const Json r = *api.get(res::kDcsInstances, ns, "cache");
    for (const auto& c : kube::find(r, {"status", "conditions"})->as_array()) {
      if (kube::get_string(c, {"type"}) == "Ready") return kube::get_string(c, {field});
    }
    return "";
  }
  void own_account(const std::string& spec_extra, const std::string& secret_json) {
    ASSERT_TRUE(api.create(res::kSecrets, "team", obj(secret_json)));
    ASSERT_TRUE(api.create(res::kCloudAccounts, "team",
                           obj(R"({"metadata":{"name":"mine"},
        "spec":{"region":"eu-de","projectId":"p1")" +
                               spec_extra + "}}")));
    ASSERT_TRUE(api.create(res::kDcsInstances, "team", obj(R"({"metadata":{"name":"cache"},
        "spec":{"cloudAccountRef":{"name":"mine"},"instanceId":"i-1",
        "rotation":{"interval":"720h"},"secret":{"name":"cache-pw"}}})")));
  }
};

constexpr const char* kTwoTenants =
    R"(,"allowedInstances":[{"name":"team-a","namespaces":{"names":["team-a"]},"dcs":["a-*"]},
        {"name":"team-b","namespaces":{"names":["team-b"]},"dcs":["b-*"]}])";

TEST_F(Tenancy, ATenantCannotNameAnotherTenantsInstance) {
  shared_account(kTwoTenants);
  cloud->passwords["a-1"] = "Tenant-A-Pw-1";
  tenant_dcs("team-b", "a-1");  // team-b names team-a's instance
  reconciler.reconcile(ResourceKind::kDcsInstance, "team-b", "cache");
  EXPECT_EQ(cloud->calls, 0);
  EXPECT_EQ(condition_in("team-b", "reason"), "InstanceNotAllowed");
  EXPECT_NE(condition_in("team-b", "message").find("'team-b' (dcs: b-*)"), std::string::npos);
  EXPECT_FALSE(api.get(res::kSecrets, "team-b", "cache-pw"));
  tenant_dcs("team-a", "a-1");  // its owner may
  reconciler.reconcile(ResourceKind::kDcsInstance, "team-a", "cache");
  EXPECT_EQ(cloud->calls, 1);
  EXPECT_EQ(condition_in("team-a", "status"), "True");
}

TEST_F(Tenancy, AClusterAccountWithoutInstanceRulesAdmitsNoInstance) {
  shared_account("");
  tenant_dcs("team-a", "a-1");
  reconciler.reconcile(ResourceKind::kDcsInstance, "team-a", "cache");
  EXPECT_EQ(cloud->calls, 0);
  EXPECT_EQ(condition_in("team-a", "reason"), "InstanceNotAllowed");
}

TEST_F(Tenancy, RulesMayPickNamespacesByLabel) {
  ASSERT_TRUE(api.create(res::kNamespaces, "",
                         obj(R"({"metadata":{"name":"team-a","labels":{"tenant":"a"}}})")));
  shared_account(
      R"(,"allowedInstances":[{"namespaces":{"selector":{"matchLabels":{"tenant":"a"}}},"dcs":["a-1"]}])");
  tenant_dcs("team-a", "a-1");
  reconciler.reconcile(ResourceKind::kDcsInstance, "team-a", "cache");
  EXPECT_EQ(cloud->calls, 1);
}

// Deputy path (a): an account pointing IAM at the tenant's own host.
TEST_F(Tenancy, AnEndpointOutsideTheCloudIsRefusedBeforeAnySecretIsRead) {
  own_account(R"(,"endpoints":{"iam":"https://collector.example.com"},
      "credentials":{"iam":{"domain":"d","username":"u","passwordSecretRef":{"name":"tls","key":"tls.key"}}})",
              R"({"metadata":{"name":"tls"},"type":"kubernetes.io/tls","data":{"tls.key":")" +
                  base64_encode("PRIVATE-KEY-BYTES") + R"("}})");
  reconciler.reconcile(ResourceKind::kDcsInstance, "team", "cache");
  EXPECT_EQ(condition("Ready", "reason"), "EndpointNotAllowed");
  EXPECT_NE(condition("Ready", "message").find("collector.example.com"), std::string::npos);
  EXPECT_EQ(cloud->calls, 0);
}

// Deputy path (a), second half: a Secret not marked for rotor is never read as credentials.
TEST_F(Tenancy, CredentialsComeOnlyFromSecretsMarkedForRotor) {
  own_account(
      R"(,"credentials":{"iam":{"domain":"d","username":"u","passwordSecretRef":{"name":"tls","key":"tls.key"}}})",
      R"({"metadata":{"name":"tls"},"type":"kubernetes.io/tls","data":{"tls.key":")" +
          base64_encode("PRIVATE-KEY-BYTES") + R"("}})");
  reconciler.reconcile(ResourceKind::kDcsInstance, "team", "cache");
  EXPECT_EQ(condition("Ready", "reason"), "SecretNotMarked");
  EXPECT_NE(condition("Ready", "message").find("rotor.dev/credentials=true"), std::string::npos);
  EXPECT_EQ(cloud->calls, 0);
  expect_no_leak({"PRIVATE-KEY-BYTES"});
}

// Deputy path (b): a target naming a Secret rotor did not create and nobody opted in.
TEST_F(Tenancy, AnUnmarkedSecretIsNeitherReadNorWritten) {
  const std::string before = "existing-app-value";
  ASSERT_TRUE(api.create(res::kSecrets, "team",
                         obj(R"({"metadata":{"name":"cache-pw"},"data":{"password":")" +
                             base64_encode(before) + R"("}})")));
  create_dcs(R"(,"method":"Change")");
  reconcile();
  EXPECT_EQ(condition("Ready", "reason"), "SecretNotManaged");
  EXPECT_EQ(cloud->calls, 0);
  EXPECT_EQ(secret_key("password"), before);
  // The owner opts it in with the label: rotor manages it from then on.
  ASSERT_TRUE(
      api.patch(res::kSecrets, "team", "cache-pw", kube::PatchType::kMerge,
                obj(R"({"metadata":{"labels":{"app.kubernetes.io/managed-by":"rotor"}}})")));
  cloud->passwords["i-1"] = before;
  reconcile();
  EXPECT_EQ(cloud->calls, 1);
  EXPECT_EQ(cloud->passwords["i-1"], *secret_key("password"));
}

TEST_F(Tenancy, ServiceAccountTokensAndCredentialsAreNeverTargets) {
  for (
      const char* extra :
      {R"("type":"kubernetes.io/service-account-token")",
       R"("type":"Opaque","metadata":{"name":"cache-pw","labels":{"rotor.dev/credentials":"true"}})"}) {
    std::string text =
        std::string(
            R"({"metadata":{"name":"cache-pw","labels":{"app.kubernetes.io/managed-by":"rotor"}},)") +
        extra + R"(,"data":{"password":")" + base64_encode("Token-Value-1") + R"("}})";
    if (std::string(extra).find("metadata") != std::string::npos)
      text = std::string("{") + extra + R"(,"data":{"password":")" +
             base64_encode("Token-Value-1") + R"("}})";
    ASSERT_TRUE(store.create(res::kSecrets, "team", obj(text)));
    if (!api.get(res::kDcsInstances, "team", "cache")) create_dcs();
    reconcile();
    EXPECT_EQ(condition("Ready", "reason"), "SecretNotManaged") << extra;
    EXPECT_EQ(cloud->calls, 0);
    EXPECT_EQ(secret_key("password"), "Token-Value-1");
    ASSERT_TRUE(store.remove(res::kSecrets, "team", "cache-pw"));
  }
}

// rotor's own identity is the operator's: a namespaced account cannot borrow it, even if
// the object reached the operator without the CRD's schema.
TEST_F(Tenancy, ANamespacedAccountCannotUseRotorsOwnIdentity) {
  for (const char* creds :
       {R"({"oidc":{"providerId":"idp"}})", R"({"podIdentity":{}})", R"({"ecsMetadata":{}})"}) {
    (void)api.remove(res::kCloudAccounts, "team", "mine");
    (void)api.remove(res::kDcsInstances, "team", "cache");
    (void)api.remove(res::kSecrets, "team", "unused");
    own_account(std::string(R"(,"credentials":)") + creds,
                R"({"metadata":{"name":"unused"},"data":{}})");
    reconciler.reconcile(ResourceKind::kDcsInstance, "team", "cache");
    EXPECT_EQ(condition("Ready", "reason"), "AccountInvalid") << creds;
    EXPECT_NE(condition("Ready", "message").find("ClusterCloudAccounts only"), std::string::npos);
    EXPECT_EQ(cloud->calls, 0);
  }
}

TEST(EndpointPolicy, HttpsInsideTheCloudOrAdmittedByTheOperator) {
  const access::EndpointPolicy none;
  EXPECT_FALSE(access::endpoint_refusal(none, "https://dcs.eu-de.otc.t-systems.com"));
  EXPECT_FALSE(access::endpoint_refusal(none, "https://iam.ap-southeast-1.myhuaweicloud.com/"));
  EXPECT_FALSE(access::endpoint_refusal(none, "https://ddm.eu-west-101.myhuaweicloud.eu"));
  EXPECT_TRUE(access::endpoint_refusal(none, "http://dcs.eu-de.otc.t-systems.com"));
  EXPECT_TRUE(access::endpoint_refusal(none, "https://evil-myhuaweicloud.com"));
  EXPECT_TRUE(access::endpoint_refusal(none, "https://myhuaweicloud.com.evil.io"));
  EXPECT_TRUE(access::endpoint_refusal(none, "https://iam.myhuaweicloud.com@evil.io"));
  EXPECT_TRUE(access::endpoint_refusal(none, "http://127.0.0.1:8080"));  // not admitted
  access::EndpointPolicy sim{{"127.0.0.1", ".vpcep.internal"}, false};
  EXPECT_FALSE(access::endpoint_refusal(sim, "http://127.0.0.1:8080"));
  EXPECT_FALSE(access::endpoint_refusal(sim, "https://dcs.vpcep.internal"));
  EXPECT_TRUE(access::endpoint_refusal(sim, "http://dcs.vpcep.internal"));
  EXPECT_TRUE(access::endpoint_refusal(sim, "https://vpcep.internal.evil.io"));
  sim.allow_plain_http = true;
  EXPECT_FALSE(access::endpoint_refusal(sim, "http://dcs.vpcep.internal"));
  EXPECT_TRUE(access::endpoint_refusal(sim, "http://dcs.eu-de.otc.t-systems.com"));
}

TEST(InstanceScope, PatternsAreIdsPrefixesOrAll) {
  EXPECT_TRUE(access::id_pattern_matches("a-*", "a-1"));
  EXPECT_FALSE(access::id_pattern_matches("a-*", "b-1"));
  EXPECT_TRUE(access::id_pattern_matches("*", "anything"));
  EXPECT_TRUE(access::id_pattern_matches("exact", "exact"));
  EXPECT_FALSE(access::id_pattern_matches("exact", "exact-not"));
}

// A service that echoes the IAM token in an error must not put it in a status or a log.
TEST(TokenScrub, AnEchoedTokenNeverReachesTheOutcome) {
  struct FixedToken final : cloud::Authenticator {
    std::optional<cloud::Outcome> authenticate(http::Request& r) override {
      r.headers.set("X-Auth-Token", "MIIToken-Very-Secret-123");
      return std::nullopt;
    }
  } auth;
  rotor::testing::FakeHttpClient http;
  http.handler = [](const http::Request& r) {
    return rotor::testing::FakeHttpClient::answer(
        401, R"({"error_code":"DCS.1001","error_msg":"token )" +
                 r.headers.get("X-Auth-Token").value_or("") + R"( expired"})");
  };
  cloud::Endpoints endpoints;
  endpoints.region = "eu-de";
  cloud::HttpPasswordApi api(endpoints, auth, http);
  const auto o = api.dcs_reset({"p1", "i-1"}, Secret("New-Pw-1234!"), false);
  EXPECT_EQ(o.kind, cloud::OutcomeKind::kAuthFailed);
  EXPECT_EQ(o.describe().find("MIIToken-Very-Secret-123"), std::string::npos) << o.describe();
  EXPECT_NE(o.describe().find("***"), std::string::npos);
}

}  // namespace
}  // namespace rotor::controller
