// Authenticating without a static AK/SK: the OIDC id-token exchange and temporary keys from
// Pod Identity and ECS metadata; caching, renewal before expiry, and failures that never
// let the password call go out.
#include "cloud/federated_auth.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "cloud/password_api.hpp"
#include "sim/simulator.hpp"
#include "sim/testing.hpp"
#include "testing/fake_http.hpp"
#include "testing/test_jwt.hpp"
#include "util/json.hpp"

namespace rotor::cloud {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using rotor::testing::FakeHttpClient;

const TimePoint kStart = std::chrono::system_clock::from_time_t(1'800'000'000);
const InstanceRef kRef{"proj1", "inst-1"};

class TempFile {
 public:
  TempFile() {
    std::random_device rd;
    path_ = (fs::temp_directory_path() / ("rotor-federated-" + std::to_string(rd()))).string();
  }
  ~TempFile() { fs::remove(path_); }
  void write(const std::string& content) const { std::ofstream(path_, std::ios::trunc) << content; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

http::Result token_answer(const std::string& token, TimePoint expires_at) {
  http::Headers h;
  h.set("X-Subject-Token", token);
  return FakeHttpClient::answer(
      201, R"({"token":{"expires_at":")" + format_rfc3339(expires_at) + R"("}})", h);
}

http::Result key_answer(const std::string& ak, TimePoint expires_at) {
  return FakeHttpClient::answer(200, R"({"credential":{"access":")" + ak + R"(","secret":"sk-)" +
                                         ak + R"(","securitytoken":"st-)" + ak +
                                         R"(","expires_at":")" + format_rfc3339(expires_at) +
                                         R"("}})");
}

std::string header(const http::Request& r, const char* name) {
  return r.headers.get(name).value_or("");
}

struct Oidc : ::testing::Test {
  Oidc() { jwt.write("jwt-1\n"); }

  std::optional<Outcome> auth_once(std::string* token = nullptr) {
    http::Request r{"GET", "https://dcs.example/x", {}, ""};
    auto failure = auth.authenticate(r);
    if (token) *token = header(r, "X-Auth-Token");
    return failure;
  }

  ManualClock clock{kStart};
  FakeHttpClient http;
  TempFile jwt;
  OidcTokenAuthenticator auth{
      {jwt.path(), "rotor-idp", "proj1", "https://iam.example"}, http, clock};
};

TEST_F(Oidc, ExchangesTheServiceAccountTokenOnceAndReusesTheIamToken) {
  http.answers.push_back(token_answer("tok-1", kStart + 24h));
  std::string token;
  ASSERT_FALSE(auth_once(&token));
  EXPECT_EQ(token, "tok-1");
  ASSERT_FALSE(auth_once(&token));
  EXPECT_EQ(token, "tok-1");
  ASSERT_EQ(http.sent.size(), 1u);
  const auto& sent = http.sent[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://iam.example/v3.0/OS-AUTH/id-token/tokens");
  EXPECT_EQ(header(sent, "X-Idp-Id"), "rotor-idp");
  const auto body = parse_json(sent.body);
  ASSERT_TRUE(body);
  EXPECT_EQ(json_string(body->at("auth").at("id_token"), "id"), "jwt-1");
  EXPECT_EQ(json_string(body->at("auth").at("scope").at("project"), "id"), "proj1");
}

TEST_F(Oidc, RenewsFortyMinutesBeforeExpiryAndRereadsTheTokenFile) {
  http.answers.push_back(token_answer("tok-1", kStart + 24h));
  http.answers.push_back(token_answer("tok-2", kStart + 48h));
  ASSERT_FALSE(auth_once());
  jwt.write("jwt-2\n");  // the kubelet rotated the projected token
  clock.advance(24h - 41min);
  std::string token;
  ASSERT_FALSE(auth_once(&token));
  EXPECT_EQ(token, "tok-1");
  clock.advance(1min);
  ASSERT_FALSE(auth_once(&token));
  EXPECT_EQ(token, "tok-2");
  ASSERT_EQ(http.sent.size(), 2u);
  EXPECT_EQ(json_string(parse_json(http.sent[1].body)->at("auth").at("id_token"), "id"), "jwt-2");
}

TEST_F(Oidc, AShortLivedTokenIsRenewedHalfwayNotOnEveryRequest) {
  http.answers.push_back(token_answer("tok-1", kStart + 10min));
  http.answers.push_back(token_answer("tok-2", kStart + 20min));
  ASSERT_FALSE(auth_once());
  clock.advance(4min);
  std::string token;
  ASSERT_FALSE(auth_once(&token));
  EXPECT_EQ(token, "tok-1");
  EXPECT_EQ(http.sent.size(), 1u);
  clock.advance(1min);  // half of its ten minutes
  ASSERT_FALSE(auth_once(&token));
  EXPECT_EQ(token, "tok-2");
}

TEST_F(Oidc, ARefusalIsAuthFailedAndThePasswordCallIsNotMade) {
  http.answers.push_back(FakeHttpClient::answer(
      401, R"({"error":{"code":401,"message":"bad id_token jwt-1","title":"Unauthorized"}})"));
  Endpoints endpoints{CloudKind::kHuaweiCloud, "eu-west-101", {}};
  HttpPasswordApi api{endpoints, auth, http};
  const Outcome o = api.dcs_reset(kRef, Secret("Abc123!xyz"), false);
  EXPECT_EQ(o.kind, OutcomeKind::kAuthFailed);
  EXPECT_EQ(http.sent.size(), 1u);  // the exchange only
  EXPECT_EQ(o.describe().find("jwt-1"), std::string::npos);
}

TEST_F(Oidc, AServerErrorOrTimeoutIsNotSent) {
  http.answers.push_back(FakeHttpClient::answer(503, R"({"error":{"message":"busy"}})"));
  http.answers.push_back(FakeHttpClient::failure(http::TransportError::kTimeout));
  http.answers.push_back(FakeHttpClient::answer(429, "{}"));
  auto a = auth_once();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, OutcomeKind::kNotSent);
  auto b = auth_once();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->kind, OutcomeKind::kNotSent);
  auto c = auth_once();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, OutcomeKind::kThrottled);
}

TEST_F(Oidc, AMissingTokenFileIsNotSentAndNothingGoesOut) {
  fs::remove(jwt.path());
  const auto failure = auth_once();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->kind, OutcomeKind::kNotSent);
  EXPECT_TRUE(http.sent.empty());
}

TEST_F(Oidc, AFailedRenewalKeepsTheCurrentTokenUntilNearItsExpiry) {
  http.answers.push_back(token_answer("tok-1", kStart + 2h));
  http.answers.push_back(FakeHttpClient::answer(500, "{}"));
  http.answers.push_back(FakeHttpClient::answer(500, "{}"));
  ASSERT_FALSE(auth_once());
  clock.advance(90min);  // renewal due, IAM failing
  std::string token;
  ASSERT_FALSE(auth_once(&token));
  EXPECT_EQ(token, "tok-1");
  clock.advance(26min);  // four minutes left: not worth a password call
  const auto failure = auth_once();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->kind, OutcomeKind::kNotSent);
}

TEST(RefreshTime, FortyMinutesOrHalfTheLife) {
  EXPECT_EQ(refresh_time(kStart, kStart + 24h), kStart + 24h - 40min);
  EXPECT_EQ(refresh_time(kStart, kStart + 80min), kStart + 40min);
  EXPECT_EQ(refresh_time(kStart, kStart + 60min), kStart + 30min);
}

TEST(TemporaryKeyParse, ReadsTheShapesTheSdksRead) {
  auto pod = parse_temporary_key(
      R"({"assumedAgency":{"urn":"","id":""},"credentials":{"accessKeyId":"AK","secretAccessKey":"SK",)"
      R"("securityToken":"ST","expiration":"2027-01-08T03:50:07.574000Z"},"subject":{}})");
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->key.access_key, "AK");
  EXPECT_EQ(pod->key.secret_key.reveal(), "SK");
  EXPECT_EQ(pod->key.security_token.reveal(), "ST");
  TimePoint t;
  ASSERT_TRUE(parse_rfc3339("2027-01-08T03:50:07Z", t));
  EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(pod->expires_at), t);
  EXPECT_TRUE(parse_temporary_key(
      R"({"credential":{"access":"AK","secret":"SK","securitytoken":"ST","expires_at":"2027-01-08T03:50:07Z"}})"));
  EXPECT_FALSE(parse_temporary_key(R"({"credential":{"access":"AK","secret":"SK"}})"));
  EXPECT_FALSE(parse_temporary_key("not json"));
}

struct TemporaryKeys : ::testing::Test {
  TemporaryKeys() { token.write("pod-token\n"); }

  std::optional<Outcome> sign(TemporaryKeyAuthenticator& a, http::Request& r) {
    r = http::Request{"GET", "https://dcs.example/v2/proj1/instances/i", {}, ""};
    return a.authenticate(r);
  }

  ManualClock clock{kStart};
  FakeHttpClient http;
  TempFile token;
};

TEST_F(TemporaryKeys, PodIdentityKeyIsFetchedOnceAndSignsWithItsSecurityToken) {
  TemporaryKeyAuthenticator auth(
      std::make_unique<PodIdentitySource>("http://pod-identity.local/v1/credentials", token.path(),
                                          http),
      clock);
  http.answers.push_back(key_answer("TMP1", kStart + 1h));
  http::Request r;
  ASSERT_FALSE(sign(auth, r));
  ASSERT_FALSE(sign(auth, r));
  ASSERT_EQ(http.sent.size(), 1u);
  EXPECT_EQ(http.sent[0].method, "POST");
  EXPECT_EQ(http.sent[0].url, "http://pod-identity.local/v1/credentials");
  EXPECT_EQ(header(http.sent[0], "Authorization"), "pod-token");
  EXPECT_EQ(http.sent[0].body, "{}");
  EXPECT_EQ(header(r, "X-Security-Token"), "st-TMP1");
  EXPECT_EQ(header(r, "Authorization").rfind("SDK-HMAC-SHA256 Access=TMP1,", 0), 0u);
}

TEST_F(TemporaryKeys, RenewedBeforeExpiryAndTheTokenFileReread) {
  TemporaryKeyAuthenticator auth(
      std::make_unique<PodIdentitySource>("http://pi.local/c", token.path(), http), clock);
  http.answers.push_back(key_answer("TMP1", kStart + 2h));
  http.answers.push_back(key_answer("TMP2", kStart + 4h));
  http::Request r;
  ASSERT_FALSE(sign(auth, r));
  token.write("pod-token-2");
  clock.advance(80min);  // exactly 40 minutes left
  ASSERT_FALSE(sign(auth, r));
  EXPECT_EQ(header(r, "X-Security-Token"), "st-TMP2");
  EXPECT_EQ(header(http.sent.at(1), "Authorization"), "pod-token-2");
}

TEST_F(TemporaryKeys, MetadataKeyLivingMinutesIsRenewedAtHalfLife) {
  TemporaryKeyAuthenticator auth(std::make_unique<EcsMetadataSource>("http://127.0.0.1:1", http),
                                 clock);
  http.answers.push_back(key_answer("TMP1", kStart + 6min));
  http.answers.push_back(key_answer("TMP2", kStart + 12min));
  http::Request r;
  ASSERT_FALSE(sign(auth, r));
  EXPECT_EQ(http.sent.at(0).method, "GET");
  EXPECT_EQ(http.sent.at(0).url, "http://127.0.0.1:1/openstack/latest/securitykey");
  clock.advance(2min);
  ASSERT_FALSE(sign(auth, r));
  EXPECT_EQ(http.sent.size(), 1u);
  clock.advance(1min);
  ASSERT_FALSE(sign(auth, r));
  EXPECT_EQ(header(r, "X-Security-Token"), "st-TMP2");
}

TEST_F(TemporaryKeys, ARefusalIsAuthFailedAndThePasswordCallIsNotMade) {
  TemporaryKeyAuthenticator auth(
      std::make_unique<PodIdentitySource>("http://pi.local/c", token.path(), http), clock);
  http.answers.push_back(FakeHttpClient::answer(403, R"({"error_msg":"denied pod-token"})"));
  Endpoints endpoints{CloudKind::kHuaweiCloud, "eu-west-101", {}};
  HttpPasswordApi api{endpoints, auth, http};
  const Outcome o = api.dcs_reset(kRef, Secret("Abc123!xyz"), false);
  EXPECT_EQ(o.kind, OutcomeKind::kAuthFailed);
  EXPECT_EQ(http.sent.size(), 1u);
  EXPECT_EQ(o.describe().find("pod-token"), std::string::npos);
}

TEST_F(TemporaryKeys, ServerErrorsTimeoutsAndUnreadableAnswersAreNotSent) {
  TemporaryKeyAuthenticator auth(std::make_unique<EcsMetadataSource>("http://md", http), clock);
  http.answers.push_back(FakeHttpClient::answer(500, "oops"));
  http.answers.push_back(FakeHttpClient::failure(http::TransportError::kConnectFailed));
  http.answers.push_back(FakeHttpClient::answer(200, R"({"credential":{}})"));
  http.answers.push_back(key_answer("OLD", kStart - 1min));  // expired on arrival
  for (int i = 0; i < 4; ++i) {
    http::Request r;
    const auto failure = sign(auth, r);
    ASSERT_TRUE(failure) << i;
    EXPECT_EQ(failure->kind, OutcomeKind::kNotSent) << i;
    EXPECT_FALSE(r.headers.has("Authorization"));
  }
}

// The client against the simulator in-process: both sides agree on paths and shapes.
struct AgainstSimulator : ::testing::Test {
  AgainstSimulator() : sim(clock) {
    http.handler = [this](const http::Request& r) {
      const auto start = r.url.find('/', r.url.find("://") + 3);
      auto req = sim::testing::request(r.method, r.url.substr(start), r.body, r.headers);
      http::Result result;
      result.response = sim.handle(req).response;
      return result;
    };
    Json dcs;
    sim::parse_object(R"({"service":"dcs","project_id":"proj1","password":"Old#Passw0rd"})", dcs);
    sim.put_instance("inst-1", dcs);
  }
  int show(Authenticator& auth) {
    http::Request r{"GET", "http://sim.test/v2/proj1/instances/inst-1", {}, ""};
    r.headers.set("X-Project-Id", "proj1");
    if (auth.authenticate(r)) return 0;
    return http.send(r).response->status;
  }

  ManualClock clock{kStart};
  sim::Simulator sim;
  FakeHttpClient http;
};

TEST_F(AgainstSimulator, OidcTokenFromASignedServiceAccountToken) {
  const rotor::testing::JwtSigner cluster;
  Json config;
  sim::parse_object(R"({"oidc":{"provider_id":"idp","issuer":"https://k8s","audience":"rotor",
                               "subjects":["system:serviceaccount:rotor-system:rotor"],
                               "token_lifetime_seconds":1200}})",
                    config);
  config["oidc"]["jwks"] = Json::string(cluster.jwks());
  sim.configure(config);
  const auto now = std::chrono::system_clock::to_time_t(kStart);
  TempFile jwt;
  jwt.write(cluster.sign(R"({"iss":"https://k8s","aud":["rotor"],"exp":)" +
                         std::to_string(now + 3600) +
                         R"(,"sub":"system:serviceaccount:rotor-system:rotor"})"));
  OidcTokenAuthenticator auth({jwt.path(), "idp", "proj1", "http://sim.test"}, http, clock);
  EXPECT_EQ(show(auth), 200);
  clock.advance(10min);  // half of the 20-minute token: renewed
  EXPECT_EQ(show(auth), 200);
  EXPECT_EQ(http.sent.size(), 4u);
}

TEST_F(AgainstSimulator, MetadataAndPodIdentityKeys) {
  Json config;
  sim::parse_object(R"({"metadata":{"lifetime_seconds":600},
                        "pod_identity":{"token":"agent-token","lifetime_seconds":600}})",
                    config);
  sim.configure(config);
  TemporaryKeyAuthenticator metadata(std::make_unique<EcsMetadataSource>("http://sim.test", http),
                                     clock);
  TempFile token;
  token.write("agent-token");
  TemporaryKeyAuthenticator pod(std::make_unique<PodIdentitySource>(
                                    "http://sim.test/pod-identity/credentials", token.path(), http),
                                clock);
  EXPECT_EQ(show(metadata), 200);
  EXPECT_EQ(show(pod), 200);
  clock.advance(5min);  // renewed at half life, so never used expired
  EXPECT_EQ(show(metadata), 200);
  EXPECT_EQ(show(pod), 200);
  EXPECT_EQ(http.sent.size(), 8u);
}

}  // namespace
}  // namespace rotor::cloud
