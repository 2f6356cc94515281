// The simulated API gateway: AK/SK signatures, date skew, access-key lockout, temporary
// credentials, IAM tokens and project checks (api-notes "Request signing", "IAM token").
#include <gtest/gtest.h>

#include "sim/simulator.hpp"
#include "sim/testing.hpp"
#include "util/crypto.hpp"

namespace rotor::sim {
namespace {

using namespace std::chrono_literals;
using testing::request;
using testing::signed_request;

class SimAuth : public ::testing::Test {
 protected:
  SimAuth() : clock_(TimePoint{} + std::chrono::hours(24 * 365 * 56)), sim_(clock_) {
    Json creds;
    parse_object(R"({"access_keys":[{"ak":"AK1","sk":"SK1"},
                                     {"ak":"TMP","sk":"SK2","security_token":"STS-TOKEN"}],
                     "iam_users":[{"name":"rotor","password":"Iam#Pass1","domain":"acme"}]})",
                 creds);
    sim_.put_credentials(creds);
    Json dcs;
    parse_object(R"({"service":"dcs","project_id":"p1","password":"Old#Passw0rd"})", dcs);
    sim_.put_instance("dcs1", dcs);
  }

  cloud::AccessKey key(const std::string& ak = "AK1", const std::string& sk = "SK1") {
    return cloud::AccessKey{ak, Secret(sk), Secret()};
  }
  http::ServerReply show(const cloud::AccessKey& k, const Clock& signing_clock) {
    return sim_.handle(signed_request("GET", "/v2/p1/instances/dcs1", "", k, signing_clock, "p1"));
  }
  static Json body(const http::ServerReply& r) {
    Json v;
    parse_object(r.response.body, v);
    return v;
  }
  std::string token(const std::string& password = "Iam#Pass1", const std::string& project = "p1") {
    const std::string b =
        R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"rotor",)"
        R"("password":")" +
        password +
        R"(","domain":{"name":"acme"}}}},)"
        R"("scope":{"project":{"id":")" +
        project + R"("}}}})";
    const auto r = sim_.handle(request("POST", "/v3/auth/tokens", b));
    last_status_ = r.response.status;
    return r.response.headers.get("X-Subject-Token").value_or("");
  }

  ManualClock clock_;
  Simulator sim_;
  int last_status_ = 0;
};

TEST_F(SimAuth, AcceptsACorrectSignature) {
  const auto r = show(key(), clock_);
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  EXPECT_EQ(sim_.calls().back().principal, "ak:AK1");
}

TEST_F(SimAuth, RejectsAWrongSecretKeyWithApig0301) {
  const auto r = show(key("AK1", "wrong"), clock_);
  EXPECT_EQ(r.response.status, 401);
  EXPECT_EQ(r.response.body,
            R"({"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: )"
            R"(verify aksk signature fail"})");
}

TEST_F(SimAuth, RejectsATamperedBodyOrQuery) {
  auto req = signed_request("PUT", "/v2/p1/instances/dcs1/password?x=1", "{}", key(), clock_);
  req.body = "{ }";
  EXPECT_EQ(sim_.handle(req).response.status, 401);
  req = signed_request("GET", "/v2/p1/instances/dcs1?x=1", "", key(), clock_);
  req.query = "x=2";
  EXPECT_EQ(sim_.handle(req).response.status, 401);
}

TEST_F(SimAuth, VerifiesTheRawPathAsSent) {
  // An escaped segment is signed over its canonical form; the simulator must not decode the
  // path before verifying, or it would compute another canonical URI.
  Json ddm;
  parse_object(R"({"service":"ddm","project_id":"p1","users":{"a b":"Old#Passw0rd1"}})", ddm);
  sim_.put_instance("ddm1", ddm);
  const auto r = sim_.handle(signed_request("POST", "/v3/p1/instances/ddm1/users/a%20b/password",
                                            R"({"password":"Ddm#Passw0rd2"})", key(), clock_));
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  EXPECT_EQ(sim_.instance("ddm1")->at("users").at("a b").as_string(), "Ddm#Passw0rd2");
}

TEST_F(SimAuth, RequiresTheDateWithinFifteenMinutes) {
  ManualClock behind(clock_.now() - 14min);
  EXPECT_EQ(show(key(), behind).response.status, 200);
  behind.set(clock_.now() - 16min);
  const auto r = show(key(), behind);
  EXPECT_EQ(r.response.status, 401);
  EXPECT_NE(r.response.body.find("expired"), std::string::npos);
  ManualClock ahead(clock_.now() + 16min);
  EXPECT_EQ(show(key(), ahead).response.status, 401);
}

TEST_F(SimAuth, RequiresXSdkDateToBeSigned) {
  auto req = request("GET", "/v2/p1/instances/dcs1");
  req.headers.set("X-Sdk-Date", format_sdk_date(clock_.now()));
  const std::vector<std::string> names = {"host"};
  const std::string sig =
      cloud::compute_signature("GET", req.path, req.query, req.headers, names, "", Secret("SK1"));
  req.headers.set("Authorization",
                  "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=" + sig);
  EXPECT_EQ(sim_.handle(req).response.status, 401);
}

TEST_F(SimAuth, MoreThanFiveBadSignaturesLockTheKeyForFiveMinutes) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(show(key("AK1", "bad"), clock_).response.status, 401);
  EXPECT_EQ(show(key(), clock_).response.status, 200);  // 5 in a row: not yet locked
  for (int i = 0; i < 6; ++i) EXPECT_EQ(show(key("AK1", "bad"), clock_).response.status, 401);
  const auto locked = show(key(), clock_);  // a correct signature is refused meanwhile
  EXPECT_EQ(locked.response.status, 401);
  EXPECT_NE(locked.response.body.find("locked"), std::string::npos);
  clock_.advance(4min + 59s);
  EXPECT_EQ(show(key(), clock_).response.status, 401);
  clock_.advance(1s);
  EXPECT_EQ(show(key(), clock_).response.status, 200);
}

TEST_F(SimAuth, TemporaryCredentialsNeedTheirSecurityToken) {
  EXPECT_EQ(show(key("TMP", "SK2"), clock_).response.status, 401);
  cloud::AccessKey tmp{"TMP", Secret("SK2"), Secret("STS-TOKEN")};
  EXPECT_EQ(show(tmp, clock_).response.status, 200);
  tmp.security_token = Secret("OTHER");
  EXPECT_EQ(show(tmp, clock_).response.status, 401);
}

TEST_F(SimAuth, UnknownKeyAndMissingAuthorization) {
  EXPECT_EQ(show(key("NOPE", "SK1"), clock_).response.status, 401);
  EXPECT_EQ(sim_.handle(request("GET", "/v2/p1/instances/dcs1")).response.status, 401);
}

TEST_F(SimAuth, IamIssuesAProjectScopedTokenForTwentyFourHours) {
  const std::string t = token();
  ASSERT_EQ(last_status_, 201);
  ASSERT_FALSE(t.empty());
  http::Headers h;
  h.set("X-Auth-Token", t);
  EXPECT_EQ(sim_.handle(request("GET", "/v2/p1/instances/dcs1", "", h)).response.status, 200);
  EXPECT_EQ(sim_.calls().back().principal, "token:rotor");
  clock_.advance(24h);
  EXPECT_EQ(sim_.handle(request("GET", "/v2/p1/instances/dcs1", "", h)).response.status, 401);
}

TEST_F(SimAuth, IamBodyCarriesExpiresAtAndRefusesAWrongPassword) {
  const std::string b =
      R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"rotor",)"
      R"("password":"Iam#Pass1","domain":{"name":"acme"}}}},"scope":{"project":{"id":"p1"}}}})";
  const auto r = sim_.handle(request("POST", "/v3/auth/tokens", b));
  EXPECT_EQ(body(r).at("token").at("expires_at").as_string(),
            format_rfc3339(clock_.now() + 24h).substr(0, 19) + ".000000Z");
  EXPECT_TRUE(token("wrong").empty());
  EXPECT_EQ(last_status_, 401);
  Json creds;
  parse_object(sim_.handle(request("GET", "/_sim/credentials")).response.body, creds);
  EXPECT_EQ(creds.at("iam_users").at(0).at("failures").as_integer(), 1);
  // The call log shows the IAM body without the password.
  EXPECT_EQ(sim_.calls().back().request.find("Iam#Pass1"), std::string::npos);
  EXPECT_EQ(sim_.calls().back().request.find("wrong"), std::string::npos);
}

TEST_F(SimAuth, ATokenOfAnotherProjectIsRefused) {
  http::Headers h;
  h.set("X-Auth-Token", token("Iam#Pass1", "p2"));
  EXPECT_EQ(sim_.handle(request("GET", "/v2/p1/instances/dcs1", "", h)).response.status, 401);
}

TEST_F(SimAuth, XProjectIdContradictingThePathIsABadRequest) {
  const auto r =
      sim_.handle(signed_request("GET", "/v2/p1/instances/dcs1", "", key(), clock_, "p2"));
  EXPECT_EQ(r.response.status, 400);
  EXPECT_EQ(body(r).at("error_code").as_string(), "APIG.0201");
}

TEST_F(SimAuth, UnknownApiIsTheGatewaysNotFound) {
  const auto r = sim_.handle(signed_request("GET", "/v2/p1/nothing", "", key(), clock_));
  EXPECT_EQ(r.response.status, 404);
  EXPECT_EQ(body(r).at("error_code").as_string(), "APIG.0101");
}

}  // namespace
}  // namespace rotor::sim
