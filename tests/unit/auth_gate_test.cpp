// Refused credentials are not tried again by every resource of the account (IAM and AK
// lockouts), and a failed IAM token request is "not sent", never "maybe applied". The tests
// count the HTTP requests the production client stack makes through the AccountResolver.
#include "cloud/auth_gate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <thread>

#include "controller/accounts.hpp"
#include "kube/json.hpp"
#include "testing/fake_api.hpp"
#include "testing/fake_http.hpp"
#include "util/base64.hpp"

namespace rotor::controller {
namespace {

using cloud::OutcomeKind;
using kube::Json;
using rotor::testing::FakeHttpClient;
using namespace std::chrono_literals;
namespace res = kube::resources;

const TimePoint kStart = std::chrono::system_clock::from_time_t(1'900'000'000);
constexpr const char* kIamUrl = "https://iam.eu-de.myhuaweicloud.com/v3/auth/tokens";

Json obj(const std::string& text) {
  auto v = kube::parse_json(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : Json::object();
}

// Lets every account's client send through the one FakeHttpClient of the test.
class Forward final : public http::Client {
 public:
  explicit Forward(FakeHttpClient& to) : to_(to) {}
  http::Result send(const http::Request& r) override { return to_.send(r); }

 private:
  FakeHttpClient& to_;
};

// A cloud whose IAM knows one password ("right-pass") and whose DCS knows one AK ("AK").
struct AuthGateTest : ::testing::Test {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(kStart);
  kube::FakeApi api{clock};
  FakeHttpClient http;
  HttpCloudOptions options{
      .make_client = [this](const http::ClientOptions&) { return std::make_unique<Forward>(http); },
      .rates = {},
      .pace = false};
  AccountResolver resolver{api, make_http_cloud_factory(*clock, options)};

  void SetUp() override {
    http.handler = [](const http::Request& r) {
      if (r.url == kIamUrl) {
        if (r.body.find("\"right-pass\"") == std::string::npos) {
          return FakeHttpClient::answer(
              401, R"({"error":{"code":401,"message":"The username or password is wrong."}})");
        }
        http::Headers h;
        h.set("X-Subject-Token", "tok");
        return FakeHttpClient::answer(201, "{}", h);
      }
      const auto auth = r.headers.get("Authorization");
      if (r.headers.get("X-Auth-Token") == "tok" ||
          (auth && auth->find("Access=AK,") != std::string::npos)) {
        return FakeHttpClient::answer(200, R"({"code":"1","message":"success"})");
      }
      return FakeHttpClient::answer(
          401, R"({"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication"})");
    };
  }

  void iam_account(const std::string& password) {
    ASSERT_TRUE(api.create(
        res::kSecrets, "team",
        obj(R"({"metadata":{"name":"iam-pw","labels":{"rotor.dev/credentials":"true"}},"data":{"password":")" +
            base64_encode(password) + R"("}})")));
    ASSERT_TRUE(api.create(res::kCloudAccounts, "team", obj(R"({"metadata":{"name":"acct"},
        "spec":{"region":"eu-de","projectId":"p1",
        "endpoints":{"iam":"https://iam.eu-de.myhuaweicloud.com","dcs":"https://dcs.eu-de.myhuaweicloud.com"},
        "credentials":{"iam":{"domain":"d","username":"u","passwordSecretRef":{"name":"iam-pw"}}}}})")));
  }
  void aksk_account(const std::string& ak) {
    ASSERT_TRUE(api.create(
        res::kSecrets, "team",
        obj(R"({"metadata":{"name":"creds","labels":{"rotor.dev/credentials":"true"}},"data":{"accessKey":")" +
            base64_encode(ak) + R"(","secretKey":")" + base64_encode("SK") + R"("}})")));
    ASSERT_TRUE(api.create(res::kCloudAccounts, "team", obj(R"({"metadata":{"name":"acct"},
        "spec":{"region":"eu-de","projectId":"p1","endpoints":{"dcs":"https://dcs.eu-de.myhuaweicloud.com"},
        "credentials":{"secretRef":{"name":"creds"}}}})")));
  }
  void set_iam_password(const std::string& password) {
    ASSERT_TRUE(api.patch(res::kSecrets, "team", "iam-pw", kube::PatchType::kMerge,
                          obj(R"({"data":{"password":")" + base64_encode(password) + R"("}})")));
  }

  // One DCS reset for each of `n` resources of the account, as n reconciles would make.
  std::vector<cloud::Outcome> reset_all(int n = 6) {
    std::vector<cloud::Outcome> out;
    for (int i = 0; i < n; ++i) {
      RotatedResource r;
      r.ns = "team";
      r.name = "cache-" + std::to_string(i);
      r.account_name = "acct";
      auto resolved = resolver.resolve(r);
      EXPECT_TRUE(std::holds_alternative<ResolvedAccount>(resolved));
      if (!std::holds_alternative<ResolvedAccount>(resolved)) break;
      auto& account = std::get<ResolvedAccount>(resolved);
      const cloud::InstanceRef ref{account.project_id, "i-" + std::to_string(i)};
      out.push_back(account.api->dcs_reset(ref, Secret("New-pass-123"), false));
    }
    return out;
  }
  std::size_t iam_posts() const {
    return static_cast<std::size_t>(std::count_if(http.sent.begin(), http.sent.end(),
                                                  [](const auto& r) { return r.url == kIamUrl; }));
  }
};

TEST_F(AuthGateTest, AWrongIamPasswordIsSentOnceForAllResources) {
  iam_account("wrong-pass");
  const auto outcomes = reset_all();
  ASSERT_EQ(outcomes.size(), 6u);
  EXPECT_EQ(http.sent.size(), 1u);  // one IAM POST, no service call
  EXPECT_EQ(iam_posts(), 1u);
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.kind, OutcomeKind::kAuthFailed) << o.describe();
    EXPECT_NE(o.message.find("or until " + format_rfc3339(kStart + 15min) + " (cool-down)"),
              std::string::npos)
        << o.message;
    EXPECT_EQ(o.describe().find("wrong-pass"), std::string::npos);
  }
  EXPECT_EQ(outcomes[0].http_status, 401);  // the real answer
  const auto& fast = outcomes[1];
  EXPECT_EQ(fast.http_status, 0);  // no answer: no request
  EXPECT_NE(fast.message.find("the credentials of CloudAccount team/acct were refused at " +
                              format_rfc3339(kStart) +
                              "; not retried until the credentials Secret (or the account) "
                              "changes"),
            std::string::npos)
      << fast.message;
  EXPECT_NE(fast.message.find("The username or password is wrong."), std::string::npos);
}

TEST_F(AuthGateTest, ANewCredentialsSecretGetsOneNewAttempt) {
  iam_account("wrong-pass");
  reset_all();
  ASSERT_EQ(iam_posts(), 1u);
  clock->advance(1min);
  set_iam_password("still-wrong");
  for (const auto& o : reset_all()) EXPECT_EQ(o.kind, OutcomeKind::kAuthFailed);
  EXPECT_EQ(iam_posts(), 2u);
  EXPECT_EQ(http.sent.size(), 2u);

  set_iam_password("right-pass");
  for (const auto& o : reset_all()) EXPECT_TRUE(o.applied()) << o.describe();
  EXPECT_EQ(iam_posts(), 3u);           // one token for all six
  EXPECT_EQ(http.sent.size(), 3u + 6);  // and six resets
}

TEST_F(AuthGateTest, RefusedCredentialsAreTriedAgainAfterTheCooldownOnly) {
  iam_account("wrong-pass");
  reset_all();
  ASSERT_EQ(http.sent.size(), 1u);
  clock->advance(14min);
  for (const auto& o : reset_all()) EXPECT_EQ(o.kind, OutcomeKind::kAuthFailed);
  EXPECT_EQ(http.sent.size(), 1u);
  clock->advance(1min);
  const auto again = reset_all();
  EXPECT_EQ(http.sent.size(), 2u);  // one attempt, then closed for another cool-down
  for (const auto& o : again) EXPECT_EQ(o.kind, OutcomeKind::kAuthFailed);
  EXPECT_NE(again[1].message.find("refused at " + format_rfc3339(kStart + 15min)),
            std::string::npos)
      << again[1].message;
}

TEST_F(AuthGateTest, AWrongAkSkIsSentOnceThenFailsFast) {
  aksk_account("WRONG-AK");
  const auto outcomes = reset_all();
  ASSERT_EQ(outcomes.size(), 6u);
  EXPECT_EQ(http.sent.size(), 1u);  // one bad signature, not six (5 lock the AK)
  EXPECT_EQ(outcomes[0].code, "APIG.0301");
  for (const auto& o : outcomes) EXPECT_EQ(o.kind, OutcomeKind::kAuthFailed) << o.describe();
  EXPECT_NE(outcomes[5].message.find("APIG.0301"), std::string::npos);
  clock->advance(10min);
  reset_all();
  EXPECT_EQ(http.sent.size(), 1u);
}

TEST_F(AuthGateTest, AcceptedAkSkIsNotGated) {
  aksk_account("AK");
  for (const auto& o : reset_all()) EXPECT_TRUE(o.applied()) << o.describe();
  EXPECT_EQ(http.sent.size(), 6u);
}

TEST_F(AuthGateTest, AnIamTimeoutIsNotSentAndNotRemembered) {
  iam_account("right-pass");
  auto cloud = http.handler;
  http.handler = [](const http::Request&) {
    return FakeHttpClient::failure(http::TransportError::kTimeout);
  };
  const auto outcomes = reset_all(2);
  ASSERT_EQ(outcomes.size(), 2u);
  for (const auto& o : outcomes) EXPECT_EQ(o.kind, OutcomeKind::kNotSent) << o.describe();
  EXPECT_EQ(iam_posts(), 2u);  // each call tried IAM: a timeout is no refusal
  EXPECT_EQ(http.sent.size(), 2u);
  http.handler = cloud;
  for (const auto& o : reset_all(1)) EXPECT_TRUE(o.applied()) << o.describe();
}

TEST_F(AuthGateTest, TheProductionCooldownIsNeverShorterThan15Minutes) {
  options.auth_cooldown = 1min;
  AccountResolver short_cooldown{api, make_http_cloud_factory(*clock, options)};
  iam_account("wrong-pass");
  RotatedResource r;
  r.ns = "team";
  r.account_name = "acct";
  auto call = [&] {
    auto a = std::get<ResolvedAccount>(short_cooldown.resolve(r));
    return a.api->dcs_reset({a.project_id, "i-1"}, Secret("New-pass-123"), false);
  };
  call();
  clock->advance(14min);
  EXPECT_EQ(call().kind, OutcomeKind::kAuthFailed);
  EXPECT_EQ(http.sent.size(), 1u);
}

// What IAM's answers to the token request become: never kUnknown (nothing was sent).
TEST(IamTokenFailure, MapsToNotSentThrottledOrAuthFailed) {
  const std::pair<http::Result, OutcomeKind> cases[] = {
      {FakeHttpClient::failure(http::TransportError::kTimeout), OutcomeKind::kNotSent},
      {FakeHttpClient::failure(http::TransportError::kConnectionLost), OutcomeKind::kNotSent},
      {FakeHttpClient::answer(503, "busy"), OutcomeKind::kNotSent},
      {FakeHttpClient::answer(500, "{}"), OutcomeKind::kNotSent},
      {FakeHttpClient::answer(302, ""), OutcomeKind::kNotSent},
      {FakeHttpClient::answer(201, "{}"), OutcomeKind::kNotSent},  // no X-Subject-Token
      {FakeHttpClient::answer(429, "{}"), OutcomeKind::kThrottled},
      {FakeHttpClient::answer(400, R"({"error":{"code":400,"message":"bad"}})"),
       OutcomeKind::kAuthFailed},
      {FakeHttpClient::answer(401, "{}"), OutcomeKind::kAuthFailed},
      {FakeHttpClient::answer(403, "{}"), OutcomeKind::kAuthFailed},
  };
  for (const auto& [answer, kind] : cases) {
    ManualClock clock{kStart};
    FakeHttpClient http;
    http.answers.push_back(answer);
    cloud::IamTokenAuthenticator auth({"d", "u", Secret("pw"), "p1"},
                                      "https://iam.eu-de.myhuaweicloud.com", http, clock);
    http::Request req{"POST", "https://dcs.eu-de.myhuaweicloud.com/x", {}, ""};
    const auto failure = auth.authenticate(req);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind, kind) << failure->describe();
  }
}

// Parallel workers: while credentials are unproven, one call at a time, so N workers cannot
// send N wrong passwords before the first refusal arrives.
TEST(AuthGate, ParallelCallsSendOneRefusedAttempt) {
  struct SlowRefusing final : cloud::PasswordApi {
    std::atomic<int> calls{0};
    cloud::Outcome refuse() {
      ++calls;
      std::this_thread::sleep_for(20ms);  // the answer takes a while; others arrive meanwhile
      cloud::Outcome o;
      o.kind = OutcomeKind::kAuthFailed;
      o.http_status = 401;
      return o;
    }
    cloud::Outcome dcs_reset(const cloud::InstanceRef&, const Secret&, bool) override {
      return refuse();
    }
    cloud::Outcome dcs_change(const cloud::InstanceRef&, const Secret&, const Secret&) override {
      return refuse();
    }
    cloud::Outcome ddm_reset(const cloud::InstanceRef&, const std::string&,
                             const Secret&) override {
      return refuse();
    }
    cloud::Outcome dms_reset(const cloud::InstanceRef&, cloud::DmsEngine, const Secret&) override {
      return refuse();
    }
  };
  ManualClock clock{kStart};
  auto inner = std::make_shared<SlowRefusing>();
  cloud::AuthGate gate(inner, "CloudAccount team/acct", clock);
  std::latch start(6);
  std::atomic<int> refused{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 6; ++i) {
    workers.emplace_back([&] {
      start.arrive_and_wait();
      if (gate.dcs_reset({"p1", "i"}, Secret("x"), false).kind == OutcomeKind::kAuthFailed)
        ++refused;
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(inner->calls, 1);
  EXPECT_EQ(refused, 6);
}

}  // namespace
}  // namespace rotor::controller
