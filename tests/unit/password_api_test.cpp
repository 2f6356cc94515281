// Request shapes of the four password calls and the two ways of authenticating them.
#include "cloud/password_api.hpp"

#include <gtest/gtest.h>

#include "testing/fake_http.hpp"
#include "util/json.hpp"

namespace rotor::cloud {
namespace {

using rotor::testing::FakeHttpClient;

const InstanceRef kRef{"proj1", "inst-1"};
const TimePoint kStart = std::chrono::system_clock::from_time_t(1'800'000'000);

struct Fixture : ::testing::Test {
  ManualClock clock{kStart};
  FakeHttpClient http;
  AkSkAuthenticator aksk{AccessKey{"AK", Secret("SK"), Secret()}, clock};
  Endpoints endpoints{CloudKind::kHuaweiCloud, "eu-west-101", {}};
  HttpPasswordApi api{endpoints, aksk, http};
};

TEST_F(Fixture, DcsResetShape) {
  http.answers.push_back(FakeHttpClient::answer(200, R"({"code":"1","message":"success"})"));
  EXPECT_TRUE(api.dcs_reset(kRef, Secret("Abc123!xyz"), false).applied());
  const auto& r = http.sent.at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url,
            "https://dcs.eu-west-101.myhuaweicloud.com/v2/proj1/instances/inst-1/password/reset");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json;charset=UTF-8");
  EXPECT_EQ(r.headers.get("X-Project-Id"), "proj1");
  EXPECT_EQ(r.headers.get("Authorization")->rfind("SDK-HMAC-SHA256 Access=AK, SignedHeaders=", 0),
            0u);
  const auto body = parse_json(r.body);
  ASSERT_TRUE(body);
  EXPECT_EQ(json_string(*body, "new_password"), "Abc123!xyz");
  EXPECT_EQ(body->at("no_password_access").as_bool(), false);
}

TEST_F(Fixture, DcsPasswordFreeResetSendsNoPassword) {
  http.answers.push_back(FakeHttpClient::answer(200, R"({"code":"1"})"));
  EXPECT_TRUE(api.dcs_reset(kRef, Secret(), true).applied());
  const auto body = parse_json(http.sent.at(0).body);
  EXPECT_FALSE(body->has_field("new_password"));
  EXPECT_EQ(body->at("no_password_access").as_bool(), true);
}

TEST_F(Fixture, DcsChangeDdmAndDmsShapes) {
  http.answers.push_back(FakeHttpClient::answer(200, R"({"result":"success"})"));
  http.answers.push_back(FakeHttpClient::answer(200, "{}"));
  http.answers.push_back(FakeHttpClient::answer(204, ""));
  EXPECT_TRUE(api.dcs_change(kRef, Secret("old"), Secret("new")).applied());
  EXPECT_TRUE(api.ddm_reset(kRef, "app user", Secret("pw")).applied());
  EXPECT_TRUE(api.dms_reset(kRef, DmsEngine::kKafka, Secret("pw")).applied());
  EXPECT_EQ(http.sent[0].method, "PUT");
  EXPECT_EQ(http.sent[0].url,
            "https://dcs.eu-west-101.myhuaweicloud.com/v2/proj1/instances/inst-1/password");
  EXPECT_EQ(json_string(*parse_json(http.sent[0].body), "old_password"), "old");
  EXPECT_EQ(http.sent[1].url,
            "https://ddm.eu-west-101.myhuaweicloud.eu/v3/proj1/instances/inst-1/users/app%20user/"
            "password");
  EXPECT_EQ(json_string(*parse_json(http.sent[1].body), "password"), "pw");
  EXPECT_EQ(http.sent[2].url,
            "https://dms.eu-west-101.myhuaweicloud.eu/v2/proj1/instances/inst-1/password");
  EXPECT_EQ(http.sent[2].headers.get("Content-Type"), "application/json");
}

TEST(Endpoints, CloudsRegionsAndOverrides) {
  Endpoints otc{CloudKind::kOpenTelekomCloud, "eu-nl", {}};
  EXPECT_EQ(otc.base_url(Service::kDcs), "https://dcs.eu-nl.otc.t-systems.com");
  Endpoints hw{CloudKind::kHuaweiCloud, "ap-southeast-1", {{Service::kDms, "http://127.0.0.1:9/"}}};
  EXPECT_EQ(hw.base_url(Service::kIam), "https://iam.ap-southeast-1.myhuaweicloud.com");
  EXPECT_EQ(hw.base_url(Service::kDms), "http://127.0.0.1:9");
}

http::Result token_answer(const std::string& token, const std::string& expires_at) {
  http::Headers h;
  h.set("X-Subject-Token", token);
  return FakeHttpClient::answer(201, R"({"token":{"expires_at":")" + expires_at + R"("}})", h);
}

TEST(IamToken, FetchedOnceAndReusedUntilShortlyBeforeExpiry) {
  ManualClock clock{kStart};
  FakeHttpClient http;
  IamTokenAuthenticator auth({"acct", "bob", Secret("iam-pass"), "proj1"}, "https://iam.example",
                             http, clock);
  http.answers.push_back(token_answer("tok-1", format_rfc3339(kStart + std::chrono::hours(24))));
  http.answers.push_back(token_answer("tok-2", format_rfc3339(kStart + std::chrono::hours(48))));

  http::Request a{"POST", "https://dcs.example/x", {}, ""};
  ASSERT_FALSE(auth.authenticate(a));
  EXPECT_EQ(a.headers.get("X-Auth-Token"), "tok-1");
  const auto body = parse_json(http.sent.at(0).body);
  EXPECT_EQ(http.sent.at(0).url, "https://iam.example/v3/auth/tokens");
  EXPECT_EQ(json_string(body->at("auth").at("scope").at("project"), "id"), "proj1");

  clock.advance(std::chrono::hours(23));  // still more than the margin before expiry
  http::Request b{"POST", "https://dcs.example/x", {}, ""};
  ASSERT_FALSE(auth.authenticate(b));
  EXPECT_EQ(b.headers.get("X-Auth-Token"), "tok-1");
  EXPECT_EQ(http.sent.size(), 1u);

  clock.advance(std::chrono::minutes(40));  // inside the refresh margin
  http::Request c{"POST", "https://dcs.example/x", {}, ""};
  ASSERT_FALSE(auth.authenticate(c));
  EXPECT_EQ(c.headers.get("X-Auth-Token"), "tok-2");
  EXPECT_EQ(http.sent.size(), 2u);
}

TEST(IamToken, A401IsReportedOnceNotRetried) {
  ManualClock clock{kStart};
  FakeHttpClient http;
  IamTokenAuthenticator auth({"acct", "bob", Secret("wrong-pass"), "proj1"}, "https://iam.example",
                             http, clock);
  http.answers.push_back(FakeHttpClient::answer(
      401, R"({"error":{"code":"401","message":"The username or password is wrong."}})"));
  http::Request a{"POST", "https://dcs.example/x", {}, ""};
  const auto failure = auth.authenticate(a);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->kind, OutcomeKind::kAuthFailed);
  EXPECT_EQ(http.sent.size(), 1u);
  EXPECT_EQ(failure->describe().find("wrong-pass"), std::string::npos);
}

}  // namespace
}  // namespace rotor::cloud
