// The simulator's credentials without a static AK/SK: the OIDC id-token exchange (JWKS,
// issuer, audience, expiry, subject, provider), Pod Identity and ECS metadata temporary
// keys, which the gateway accepts with their security token until they expire.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "sim/config.hpp"
#include "sim/simulator.hpp"
#include "sim/testing.hpp"
#include "testing/test_jwt.hpp"

namespace rotor::sim {
namespace {

using namespace std::chrono_literals;
using sim::testing::request;
using sim::testing::signed_request;

constexpr const char* kIssuer = "https://kubernetes.default.svc.cluster.local";
constexpr const char* kSubject = "system:serviceaccount:rotor-system:rotor";

const rotor::testing::JwtSigner& cluster_key() {
  static const rotor::testing::JwtSigner key("cluster");
  return key;
}

Json parse(const std::string& text) {
  Json v;
  EXPECT_TRUE(parse_object(text, v)) << text;
  return v;
}

class SimIdentity : public ::testing::Test {
 protected:
  SimIdentity() : clock_(TimePoint{} + std::chrono::hours(24 * 365 * 56)), sim_(clock_) {
    Json config = parse(R"({
      "oidc": {"provider_id": "rotor-idp", "issuer": ")" +
                        std::string(kIssuer) + R"(",
               "audience": "rotor", "subjects": [")" +
                        kSubject + R"("],
               "token_lifetime_seconds": 600},
      "pod_identity": {"token": "pod-identity-token", "lifetime_seconds": 900},
      "metadata": {"lifetime_seconds": 1200},
      "instances": [{"id": "dcs1", "service": "dcs", "project_id": "p1",
                     "password": "Old#Passw0rd"}]})");
    config["oidc"]["jwks"] = Json::string(cluster_key().jwks());
    sim_.configure(config);
  }

  long long now_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch())
        .count();
  }
  std::string claims(const std::string& aud = "\"rotor\"", long long exp_in = 3600,
                     const std::string& sub = kSubject, const std::string& iss = kIssuer) {
    return R"({"iss":")" + iss + R"(","aud":)" + aud + R"(,"sub":")" + sub + R"(","exp":)" +
           std::to_string(now_seconds() + exp_in) + R"(,"iat":)" + std::to_string(now_seconds()) +
           "}";
  }
  http::ServerReply exchange(const std::string& jwt, const std::string& idp = "rotor-idp") {
    http::Headers h;
    h.set("X-Idp-Id", idp);
    return sim_.handle(request(
        "POST", "/v3.0/OS-AUTH/id-token/tokens",
        R"({"auth":{"id_token":{"id":")" + jwt + R"("},"scope":{"project":{"id":"p1"}}}})", h));
  }
  int show_with_token(const std::string& token) {
    http::Headers h;
    h.set("X-Auth-Token", token);
    return sim_.handle(request("GET", "/v2/p1/instances/dcs1", "", h)).response.status;
  }
  int show_with_key(const cloud::AccessKey& key) {
    return sim_.handle(signed_request("GET", "/v2/p1/instances/dcs1", "", key, clock_, "p1"))
        .response.status;
  }
  static cloud::AccessKey key_from(const Json& cred, const char* ak, const char* sk,
                                   const char* token) {
    return cloud::AccessKey{cred.at(ak).as_string(), Secret(cred.at(sk).as_string()),
                            Secret(cred.at(token).as_string())};
  }

  ManualClock clock_;
  Simulator sim_;
};

TEST_F(SimIdentity, ExchangesAValidServiceAccountTokenForAnIamToken) {
  const auto r = exchange(cluster_key().sign(claims()));
  ASSERT_EQ(r.response.status, 201) << r.response.body;
  const std::string token = r.response.headers.get("X-Subject-Token").value_or("");
  ASSERT_FALSE(token.empty());
  const Json body = parse(r.response.body);
  TimePoint expires;
  ASSERT_TRUE(parse_rfc3339(body.at("token").at("expires_at").as_string(), expires));
  EXPECT_EQ(expires, clock_.now() + 600s);
  EXPECT_EQ(show_with_token(token), 200);
  EXPECT_EQ(sim_.calls().back().principal, std::string("token:") + kSubject);
  clock_.advance(600s);
  EXPECT_EQ(show_with_token(token), 401);  // the configured lifetime is over
}

TEST_F(SimIdentity, AcceptsTheAudienceAsOneOfAList) {
  EXPECT_EQ(exchange(cluster_key().sign(claims(R"(["other","rotor"])"))).response.status, 201);
}

TEST_F(SimIdentity, RefusesAWrongAudience) {
  const auto r = exchange(cluster_key().sign(claims("\"other\"")));
  EXPECT_EQ(r.response.status, 401);
  EXPECT_EQ(parse(r.response.body).at("error").at("code").as_integer(), 401);
  EXPECT_NE(r.response.body.find("audience"), std::string::npos);
}

TEST_F(SimIdentity, RefusesAnExpiredToken) {
  EXPECT_EQ(exchange(cluster_key().sign(claims("\"rotor\"", -1))).response.status, 401);
  const std::string jwt = cluster_key().sign(claims("\"rotor\"", 60));
  clock_.advance(61s);
  const auto r = exchange(jwt);
  EXPECT_EQ(r.response.status, 401);
  EXPECT_NE(r.response.body.find("expired"), std::string::npos);
}

TEST_F(SimIdentity, RefusesABadSignature) {
  const rotor::testing::JwtSigner stranger("cluster");  // same kid, another key
  EXPECT_EQ(exchange(stranger.sign(claims())).response.status, 401);
  // A payload swapped under a valid signature.
  std::string jwt = cluster_key().sign(claims());
  const std::string other = cluster_key().sign(claims("\"rotor\"", 7200));
  const auto cut = [](const std::string& s, int part) {
    const auto a = part == 0 ? 0 : s.find('.') + 1;
    const auto b = part == 0 ? s.find('.') : s.rfind('.');
    return s.substr(a, b - a);
  };
  jwt = cut(jwt, 0) + "." + cut(other, 1) + jwt.substr(jwt.rfind('.'));
  const auto r = exchange(jwt);
  EXPECT_EQ(r.response.status, 401);
  EXPECT_NE(r.response.body.find("signature"), std::string::npos);
  EXPECT_EQ(exchange("not.a.jwt").response.status, 401);
}

TEST_F(SimIdentity, RefusesASubjectNotAllowed) {
  const auto r =
      exchange(cluster_key().sign(claims("\"rotor\"", 3600, "system:serviceaccount:x:y")));
  EXPECT_EQ(r.response.status, 401);
  EXPECT_NE(r.response.body.find("subject"), std::string::npos);
}

TEST_F(SimIdentity, RefusesAnotherIssuerOrIdentityProvider) {
  EXPECT_EQ(exchange(cluster_key().sign(claims("\"rotor\"", 3600, kSubject, "https://evil")))
                .response.status,
            401);
  EXPECT_EQ(exchange(cluster_key().sign(claims()), "other-idp").response.status, 401);
  EXPECT_EQ(exchange(cluster_key().sign(claims()), "").response.status, 401);
}

TEST_F(SimIdentity, NeverLogsTheServiceAccountToken) {
  const std::string jwt = cluster_key().sign(claims());
  exchange(jwt);
  EXPECT_EQ(sim_.calls().back().action, "iam.id_token");
  EXPECT_EQ(sim_.calls().back().request.find(jwt), std::string::npos);
}

TEST_F(SimIdentity, PodIdentityHandsOutKeysThatExpire) {
  http::Headers h;
  h.set("Authorization", "wrong");
  EXPECT_EQ(sim_.handle(request("POST", "/pod-identity/credentials", "{}", h)).response.status,
            401);
  h.set("Authorization", "pod-identity-token");
  const auto r = sim_.handle(request("POST", "/pod-identity/credentials", "{}", h));
  ASSERT_EQ(r.response.status, 200) << r.response.body;
  const Json cred = parse(r.response.body).at("credentials");
  const auto key = key_from(cred, "accessKeyId", "secretAccessKey", "securityToken");
  EXPECT_EQ(show_with_key(key), 200);
  EXPECT_EQ(show_with_key(cloud::AccessKey{key.access_key, key.secret_key, Secret()}), 401);
  clock_.advance(899s);
  EXPECT_EQ(show_with_key(key), 200);
  clock_.advance(1s);
  EXPECT_EQ(show_with_key(key), 401);
}

TEST_F(SimIdentity, MetadataHandsOutKeysThatExpire) {
  const auto r = sim_.handle(request("GET", "/openstack/latest/securitykey"));
  ASSERT_EQ(r.response.status, 200) << r.response.body;
  const Json cred = parse(r.response.body).at("credential");
  TimePoint expires;
  ASSERT_TRUE(parse_rfc3339(cred.at("expires_at").as_string(), expires));
  EXPECT_EQ(expires, clock_.now() + 1200s);
  const auto key = key_from(cred, "access", "secret", "securitytoken");
  EXPECT_EQ(show_with_key(key), 200);
  clock_.advance(1200s);
  const auto refused =
      sim_.handle(signed_request("GET", "/v2/p1/instances/dcs1", "", key, clock_, "p1"));
  EXPECT_EQ(refused.response.status, 401);
  EXPECT_NE(refused.response.body.find("expired"), std::string::npos);
}

TEST(SimIdentityConfig, EndpointsAreAbsentUnlessConfigured) {
  ManualClock clock(TimePoint{} + std::chrono::hours(24 * 365 * 56));
  Simulator sim(clock);
  EXPECT_EQ(sim.handle(request("GET", "/openstack/latest/securitykey")).response.status, 404);
  EXPECT_EQ(sim.handle(request("POST", "/pod-identity/credentials", "{}")).response.status, 404);
  http::Headers h;
  h.set("X-Idp-Id", "rotor-idp");
  EXPECT_EQ(sim.handle(request("POST", "/v3.0/OS-AUTH/id-token/tokens", "{}", h)).response.status,
            401);
}

TEST(SimIdentityConfig, RefusesAJwksWithoutAnRsaKey) {
  ManualClock clock(TimePoint{} + std::chrono::hours(24 * 365 * 56));
  Simulator sim(clock);
  Json config = parse(R"({"oidc": {"provider_id": "p", "issuer": "i", "audience": "a",
                                   "subjects": ["s"], "jwks": {"keys": [{"kty": "EC"}]}}})");
  EXPECT_THROW(sim.configure(config), SpecError);
  config["oidc"]["jwks"] = Json::string(cluster_key().jwks());
  EXPECT_NO_THROW(sim.configure(config));
}

TEST(SimIdentityConfig, YamlReadsTheJwksAndTokenFilesBesideIt) {
  namespace fs = std::filesystem;
  std::random_device rd;
  const fs::path dir = fs::temp_directory_path() / ("rotor-sim-identity-" + std::to_string(rd()));
  fs::create_directories(dir);
  std::ofstream(dir / "jwks.json") << cluster_key().jwks();
  std::ofstream(dir / "pod.token") << "agent-token\n";
  std::ofstream(dir / "sim.yaml") << "oidc:\n"
                                     "  provider_id: idp\n"
                                     "  issuer: https://k8s\n"
                                     "  audience: rotor\n"
                                     "  subjects: [system:serviceaccount:rotor-system:rotor]\n"
                                     "  jwks_file: jwks.json\n"
                                     "  token_lifetime_seconds: 60\n"
                                     "pod_identity: {token_file: pod.token}\n";
  const Json config = load_config_file((dir / "sim.yaml").string());
  fs::remove_all(dir);
  EXPECT_EQ(config.at("pod_identity").at("token").as_string(), "agent-token");
  EXPECT_EQ(config.at("oidc").at("token_lifetime_seconds").as_integer(), 60);
  ManualClock clock(TimePoint{} + std::chrono::hours(24 * 365 * 56));
  Simulator sim(clock);
  EXPECT_NO_THROW(sim.configure(config));
  http::Headers h;
  h.set("Authorization", "agent-token");
  EXPECT_EQ(sim.handle(request("POST", "/pod-identity/credentials", "{}", h)).response.status, 200);
}

}  // namespace
}  // namespace rotor::sim
