// The simulated DCS: reset (docs 000/002), change and its lockout (doc 001), ShowInstance,
// the document versions' password rules and the Redis push.
#include <gtest/gtest.h>

#include "sim/simulator.hpp"
#include "sim/testing.hpp"

namespace rotor::sim {
namespace {

using namespace std::chrono_literals;
using testing::signed_request;

class SimDcs : public ::testing::Test {
 protected:
  SimDcs() : clock_(TimePoint{} + std::chrono::hours(24 * 365 * 56)), sim_(clock_) {
    sim_.put_credentials(json(R"({"access_keys":[{"ak":"AK","sk":"SK"}]})"));
    put("dcs1", R"({"service":"dcs","project_id":"p1","password":"Old#Passw0rd"})");
  }

  static Json json(const std::string& text) {
    Json v;
    EXPECT_TRUE(parse_object(text, v)) << text;
    return v;
  }
  void put(const std::string& id, const std::string& spec) { sim_.put_instance(id, json(spec)); }
  http::ServerReply call(const std::string& method, const std::string& target,
                         const std::string& body = "") {
    return sim_.handle(signed_request(method, target, body, key_, clock_, "p1"));
  }
  http::ServerReply reset(const std::string& pw, const std::string& id = "dcs1") {
    return call("POST", "/v2/p1/instances/" + id + "/password/reset",
                R"({"new_password":")" + pw + R"(","no_password_access":false})");
  }
  http::ServerReply change(const std::string& old_pw, const std::string& new_pw) {
    return call("PUT", "/v2/p1/instances/dcs1/password",
                R"({"old_password":")" + old_pw + R"(","new_password":")" + new_pw + R"("})");
  }
  std::string password(const std::string& id = "dcs1") {
    return sim_.instance(id)->at("password").as_string();
  }
  static std::string field(const http::ServerReply& r, const std::string& name) {
    Json v = json(r.response.body);
    return v.at(name).is_string() ? v.at(name).as_string() : v.at(name).serialize();
  }

  ManualClock clock_;
  Simulator sim_;
  cloud::AccessKey key_{"AK", Secret("SK"), Secret()};
};

TEST_F(SimDcs, ResetAnswersTheDocumentedBodyAndSetsThePassword) {
  const auto r = reset("New#Passw0rd");
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body,
            R"({"lock_time":"0","lock_time_left":"0","retry_times_left":"5","code":"1",)"
            R"("message":"success","ext_message":null})");
  EXPECT_EQ(password(), "New#Passw0rd");
}

TEST_F(SimDcs, ResetUnsupportedAnswersDcs4839) {
  put("dcs1", R"({"reset_unsupported":true})");
  const auto r = reset("New#Passw0rd");
  EXPECT_EQ(r.response.status, 400);
  EXPECT_EQ(r.response.body,
            R"({"error_code":"DCS.4839","error_msg":"is not support reset instance password."})");
  EXPECT_EQ(password(), "Old#Passw0rd");
}

TEST_F(SimDcs, EachDocumentVersionEnforcesItsOwnSpecialCharacters) {
  put("r000", R"({"service":"dcs","project_id":"p1","doc_version":"dcs-reset-000"})");
  put("r002", R"({"service":"dcs","project_id":"p1","doc_version":"dcs-reset-002"})");
  EXPECT_EQ(reset("Percent%Pass1", "r000").response.status, 200);
  const auto refused = reset("Percent%Pass1", "r002");
  EXPECT_EQ(refused.response.status, 400);
  EXPECT_EQ(field(refused, "error_code"), "DCS.4019");
  EXPECT_EQ(refused.response.body.find("Percent%Pass1"), std::string::npos);
  EXPECT_EQ(reset(R"(Back\\slashPass1)", "r000").response.status, 400);
  EXPECT_EQ(reset(R"(Back\\slashPass1)", "r002").response.status, 200);
  EXPECT_EQ(password("r002"), "Back\\slashPass1");
  const std::string forty = "Aa1#" + std::string(36, 'x');  // 000 allows 64, 002 only 32
  EXPECT_EQ(reset(forty, "r000").response.status, 200);
  EXPECT_EQ(reset(forty, "r002").response.status, 400);
}

TEST_F(SimDcs, ChangeUsesTheChangeDocumentsRules) {
  const auto r = change("Old#Passw0rd", "Percent%Pass1");  // doc 001 has no '%'
  EXPECT_EQ(r.response.status, 400);
  EXPECT_EQ(field(r, "error_code"), "DCS.4019");
  EXPECT_EQ(field(change("Wrong#Passw0rd", "Percent%Pass1"), "error_code"), "DCS.4019");
  // Neither spent a try.
  EXPECT_EQ(field(change("Wrong#Passw0rd", "New#Passw0rd"), "retry_times_left"), "4");
}

TEST_F(SimDcs, MissingOrMistypedFields) {
  EXPECT_EQ(field(call("POST", "/v2/p1/instances/dcs1/password/reset", "{}"), "error_code"),
            "DCS.4849");
  EXPECT_EQ(field(call("POST", "/v2/p1/instances/dcs1/password/reset", "not json"), "error_code"),
            "DCS.4849");
  EXPECT_EQ(field(call("POST", "/v2/p1/instances/dcs1/password/reset", R"({"new_password":5})"),
                  "error_code"),
            "DCS.4850");
  EXPECT_EQ(field(call("POST", "/v2/p1/instances/dcs1/password/reset",
                       R"({"new_password":"New#Passw0rd","no_password_access":"no"})"),
                  "error_code"),
            "DCS.4843");
  EXPECT_EQ(field(call("PUT", "/v2/p1/instances/dcs1/password", R"({"new_password":"New#Pass1"})"),
                  "error_code"),
            "DCS.4849");
}

TEST_F(SimDcs, ResetToPasswordFreeAndShowInstanceSaysSoAsAString) {
  const auto r =
      call("POST", "/v2/p1/instances/dcs1/password/reset", R"({"no_password_access":true})");
  EXPECT_EQ(field(r, "code"), "1");
  const auto show = call("GET", "/v2/p1/instances/dcs1");
  EXPECT_EQ(show.response.status, 200);
  EXPECT_EQ(field(show, "no_password_access"), "true");
  EXPECT_EQ(field(show, "engine"), "Redis");
  EXPECT_EQ(field(show, "status"), "RUNNING");
}

TEST_F(SimDcs, ChangeLockoutExactlyAsDocumented) {
  for (int left = 4; left >= 1; --left) {
    const auto r = change("Wrong#Passw0rd", "New#Passw0rd");
    EXPECT_EQ(r.response.status, 200);
    EXPECT_EQ(field(r, "result"), "passwordFailed");
    EXPECT_EQ(field(r, "retry_times_left"), std::to_string(left));
    EXPECT_EQ(field(r, "lock_time_left"), "0");
  }
  const auto fifth = change("Wrong#Passw0rd", "New#Passw0rd");
  EXPECT_EQ(fifth.response.status, 200);
  EXPECT_EQ(field(fifth, "result"), "locked");
  EXPECT_EQ(field(fifth, "retry_times_left"), "0");
  EXPECT_EQ(field(fifth, "lock_time"), "5");
  EXPECT_EQ(field(fifth, "lock_time_left"), "5");
  // Locked: the right password is refused too, and so is a reset.
  EXPECT_EQ(field(change("Old#Passw0rd", "New#Passw0rd"), "result"), "locked");
  const auto reset_locked = reset("New#Passw0rd");
  EXPECT_EQ(reset_locked.response.status, 200);
  EXPECT_EQ(field(reset_locked, "code"), "3");
  EXPECT_EQ(password(), "Old#Passw0rd");
  clock_.advance(4min + 1s);  // 59 s left: rounded up to 1
  EXPECT_EQ(field(change("Old#Passw0rd", "New#Passw0rd"), "lock_time_left"), "1");
  clock_.advance(59s);
  const auto ok = change("Old#Passw0rd", "New#Passw0rd");
  EXPECT_EQ(field(ok, "result"), "success");
  EXPECT_EQ(field(ok, "retry_times_left"), "5");
  EXPECT_EQ(field(ok, "message"), "Modify DCSInstance password success.");
  EXPECT_EQ(password(), "New#Passw0rd");
}

TEST_F(SimDcs, ASuccessResetsTheCounterAndSameNewPasswordFails) {
  change("Wrong#Passw0rd", "New#Passw0rd");
  change("Wrong#Passw0rd", "New#Passw0rd");
  EXPECT_EQ(field(change("Old#Passw0rd", "New#Passw0rd"), "result"), "success");
  EXPECT_EQ(field(change("Wrong#Passw0rd", "Other#Passw0rd"), "retry_times_left"), "4");
  const auto same = change("New#Passw0rd", "New#Passw0rd");
  EXPECT_EQ(same.response.status, 200);
  EXPECT_EQ(field(same, "result"), "failed");
}

TEST_F(SimDcs, UnknownInstanceOrProjectIsDcs3022) {
  auto r = reset("New#Passw0rd", "nope");
  EXPECT_EQ(r.response.status, 404);
  EXPECT_EQ(field(r, "error_code"), "DCS.3022");
  put("other", R"({"service":"dcs","project_id":"p2","password":"Old#Passw0rd"})");
  EXPECT_EQ(reset("New#Passw0rd", "other").response.status, 404);  // not in p1
  put("k1", R"({"service":"kafka","project_id":"p1"})");
  EXPECT_EQ(field(reset("New#Passw0rd", "k1"), "error_code"), "DCS.3022");
}

TEST_F(SimDcs, PushesToRedisFirstAndKeepsThePasswordWhenThatFails) {
  put("dcs1", R"({"redis_port":6390})");
  std::string seen_current, seen_next, answer;
  sim_.set_redis([&](const std::string&, int port, const Secret* current, const Secret& next) {
    EXPECT_EQ(port, 6390);
    seen_current = current ? current->reveal() : "<none>";
    seen_next = next.reveal();
    return answer;
  });
  answer = "connect: refused";
  const auto failed = reset("New#Passw0rd");
  EXPECT_EQ(failed.response.status, 500);
  EXPECT_EQ(field(failed, "error_code"), "DCS.4069");
  EXPECT_EQ(password(), "Old#Passw0rd");
  answer = "";
  EXPECT_EQ(change("Old#Passw0rd", "New#Passw0rd").response.status, 200);
  EXPECT_EQ(seen_current, "Old#Passw0rd");
  EXPECT_EQ(seen_next, "New#Passw0rd");
  call("POST", "/v2/p1/instances/dcs1/password/reset", R"({"no_password_access":true})");
  EXPECT_EQ(seen_next, "");
  EXPECT_EQ(reset("Back#Passw0rd").response.status, 200);
  EXPECT_EQ(seen_current, "<none>");  // password-free: nothing to authenticate with
}

TEST_F(SimDcs, TheGatewayRateLimitThrottlesBeyondTheBucketAndAppliesNothing) {
  sim_.put_faults(json(R"({"rate_limit_per_s":2,"rate_limit_burst":2,
                           "rate_limit_retry_after":true})"));
  EXPECT_EQ(reset("Pass#word001").response.status, 200);
  EXPECT_EQ(reset("Pass#word002").response.status, 200);
  const auto r = reset("Pass#word003");  // the bucket of 2 is empty
  EXPECT_EQ(r.response.status, 429);
  EXPECT_EQ(field(r, "error_code"), "APIG.0308");
  EXPECT_EQ(r.response.headers.get("Retry-After"), "1");  // 0.5 s to the next call, rounded up
  EXPECT_EQ(password(), "Pass#word002");
  clock_.advance(500ms);  // one call's worth refilled
  EXPECT_EQ(reset("Pass#word004").response.status, 200);
  EXPECT_EQ(reset("Pass#word005").response.status, 429);
  // Without rate_limit_retry_after the answer is the documented one, no header.
  sim_.put_faults(json(R"({"rate_limit_retry_after":false})"));
  EXPECT_FALSE(reset("Pass#word006").response.headers.has("Retry-After"));
  sim_.put_faults(json(R"({"rate_limit_per_s":0})"));
  EXPECT_EQ(reset("Pass#word007").response.status, 200);
  EXPECT_EQ(password(), "Pass#word007");
}

}  // namespace
}  // namespace rotor::sim
