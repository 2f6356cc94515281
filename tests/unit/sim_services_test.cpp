// The simulated DDM and DMS calls, the injected faults, the admin API and the YAML config.
#include <gtest/gtest.h>

#include "sim/config.hpp"
#include "sim/simulator.hpp"
#include "sim/testing.hpp"

namespace rotor::sim {
namespace {

using namespace std::chrono_literals;
using testing::request;
using testing::signed_request;

Json json(const std::string& text) {
  Json v;
  EXPECT_TRUE(parse_object(text, v)) << text;
  return v;
}

std::string field(const http::ServerReply& r, const std::string& name) {
  Json v = json(r.response.body);
  const Json* f = member(v, name);
  return f ? (f->is_string() ? f->as_string() : f->serialize()) : "<absent>";
}

class SimServices : public ::testing::Test {
 protected:
  explicit SimServices(std::uint64_t seed = 1)
      : clock_(TimePoint{} + std::chrono::hours(24 * 365 * 56)), sim_(clock_, seed) {
    sim_.configure(json(R"({
      "access_keys": [{"ak": "AK", "sk": "SK"}],
      "instances": [
        {"id": "dcs1", "service": "dcs", "project_id": "p1", "password": "Old#Passw0rd"},
        {"id": "ddm1", "service": "ddm", "project_id": "p1",
         "users": {"root": "Old#Passw0rd1", "Admin1": "Old#Passw0rd1"}},
        {"id": "kafka1", "service": "kafka", "project_id": "p1", "password": "Old#Passw0rd"},
        {"id": "rmq1", "service": "rabbitmq", "project_id": "p1", "password": "Old#Passw0rd"}
      ]})"));
  }

  http::ServerReply call(const std::string& method, const std::string& target,
                         const std::string& body = "") {
    return sim_.handle(signed_request(method, target, body, key_, clock_, "p1"));
  }
  http::ServerReply ddm(const std::string& user, const std::string& pw, const char* v = "v3") {
    return call("POST", std::string("/") + v + "/p1/instances/ddm1/users/" + user + "/password",
                R"({"password":")" + pw + R"("})");
  }
  http::ServerReply dms(const std::string& id, const std::string& pw) {
    return call("POST", "/v2/p1/instances/" + id + "/password",
                R"({"new_password":")" + pw + R"("})");
  }
  http::ServerReply dcs_reset(const std::string& pw) {
    return call("POST", "/v2/p1/instances/dcs1/password/reset",
                R"({"new_password":")" + pw + R"("})");
  }
  http::ServerReply admin(const std::string& method, const std::string& path,
                          const std::string& body = "") {
    return sim_.handle(request(method, path, body));
  }
  std::string password(const std::string& id) {
    return sim_.instance(id)->at("password").as_string();
  }

  ManualClock clock_;
  Simulator sim_;
  cloud::AccessKey key_{"AK", Secret("SK"), Secret()};
};

TEST_F(SimServices, DdmResetAnswersAnEmptyObject) {
  const auto r = ddm("root", "Ddm#Passw0rd9");
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "{}");
  EXPECT_EQ(sim_.instance("ddm1")->at("users").at("root").as_string(), "Ddm#Passw0rd9");
  const auto v2 = ddm("root", "Ddm#Passw0rd8", "v2");
  EXPECT_EQ(field(v2, "user_name"), "root");
  EXPECT_EQ(field(v2, "success"), "true");
}

TEST_F(SimServices, DdmRefusesTheUsernameOrItsReverseAndUnknownAccounts) {
  sim_.put_instance("ddm1", json(R"({"users":{"zP9mL7qX":"Old#Passw0rd1"}})"));
  const auto same = ddm("zP9mL7qX", "zP9mL7qX");
  EXPECT_EQ(same.response.status, 400);
  const auto reversed = ddm("zP9mL7qX", "Xq7Lm9Pz");
  EXPECT_EQ(reversed.response.status, 400);
  EXPECT_EQ(field(reversed, "errCode"), "DBS.280001");
  EXPECT_EQ(field(reversed, "externalMessage").find("Xq7Lm9Pz"), std::string::npos);
  EXPECT_EQ(ddm("zP9mL7qX", "Xq7Lm9Pz!").response.status, 200);
  const auto unknown = ddm("nobody", "Ddm#Passw0rd9");
  EXPECT_EQ(unknown.response.status, 404);
  EXPECT_EQ(field(unknown, "errCode"), "DBS.280001");
  EXPECT_EQ(field(call("POST", "/v3/p1/instances/nope/users/root/password", "{}"), "errCode"),
            "DBS.200002");
}

TEST_F(SimServices, DmsResetIs204AndRefusesALeadingDash) {
  for (const char* id : {"kafka1", "rmq1"}) {
    const auto r = dms(id, "With Space#1a");
    EXPECT_EQ(r.response.status, 204) << id;
    EXPECT_TRUE(r.response.body.empty());
    EXPECT_EQ(password(id), "With Space#1a");
    const auto dash = dms(id, "-Leading#Dash1");
    EXPECT_EQ(dash.response.status, 400);
    EXPECT_EQ(field(dash, "error_code"), "DMS.00400012");
    EXPECT_EQ(password(id), "With Space#1a");
  }
  EXPECT_EQ(field(dms("dcs1", "Some#Passw0rd"), "error_code"), "DMS.00404022");
  EXPECT_EQ(field(call("POST", "/v2/p1/instances/kafka1/password", ""), "error_code"),
            "DMS.00400004");
}

TEST_F(SimServices, NextNCountersAreExact) {
  sim_.put_faults(json(R"({"throttle_next":2})"));
  EXPECT_EQ(dcs_reset("New#Passw0rd1").response.status, 429);
  EXPECT_EQ(field(dcs_reset("New#Passw0rd1"), "error_code"), "APIG.0308");
  EXPECT_EQ(dcs_reset("New#Passw0rd1").response.status, 200);
  sim_.put_faults(json(R"({"error_next":1})"));
  const auto err = dcs_reset("New#Passw0rd2");
  EXPECT_EQ(err.response.status, 500);
  EXPECT_EQ(field(err, "error_code"), "DCS.4069");
  EXPECT_EQ(password("dcs1"), "New#Passw0rd1");  // nothing applied
  EXPECT_EQ(sim_.calls().back().fault, "error");
}

TEST_F(SimServices, BusyStatesAnswerTheirCodesForTheNextCallsOnly) {
  sim_.put_instance("dcs1", json(R"({"faults":{"busy":"job_running","busy_calls":2}})"));
  EXPECT_EQ(field(call("GET", "/v2/p1/instances/dcs1"), "status"), "EXTENDING");  // not consumed
  EXPECT_EQ(field(dcs_reset("New#Passw0rd1"), "error_code"), "DCS.4017");
  EXPECT_EQ(field(dcs_reset("New#Passw0rd1"), "error_code"), "DCS.4017");
  EXPECT_EQ(dcs_reset("New#Passw0rd1").response.status, 200);
  sim_.put_faults(json(R"({"busy":"not_running"})"));  // global, until cleared
  EXPECT_EQ(field(dcs_reset("New#Passw0rd2"), "error_code"), "DCS.4049");
  EXPECT_EQ(field(dcs_reset("New#Passw0rd2"), "error_code"), "DCS.4049");
  EXPECT_EQ(field(ddm("root", "Ddm#Passw0rd9"), "errCode"), "DDM.0602");
  EXPECT_EQ(field(dms("kafka1", "Kafka#Passw0rd"), "error_code"), "DMS.00400026");
  sim_.put_faults(json(R"({"busy":"changing_password","busy_calls":1})"));
  EXPECT_EQ(field(dcs_reset("New#Passw0rd2"), "error_code"), "DCS.4115");
  EXPECT_EQ(dcs_reset("New#Passw0rd2").response.status, 200);
}

TEST_F(SimServices, DropAppliesThePasswordThenClosesWithoutAnswer) {
  sim_.put_instance("kafka1", json(R"({"faults":{"drop_next":1,"latency_ms":250}})"));
  const auto r = dms("kafka1", "Kafka#Passw0rd");
  EXPECT_TRUE(r.drop_connection);
  EXPECT_EQ(r.delay, 250ms);
  EXPECT_EQ(password("kafka1"), "Kafka#Passw0rd");
  EXPECT_EQ(sim_.calls().back().outcome, "success (dropped)");
  EXPECT_FALSE(dms("kafka1", "Kafka#Passw0rd2").drop_connection);
}

TEST_F(SimServices, InstanceCountersComeBeforeGlobalOnes) {
  sim_.put_faults(json(R"({"error_next":1})"));
  sim_.put_instance("dcs1", json(R"({"faults":{"throttle_next":1}})"));
  EXPECT_EQ(dcs_reset("New#Passw0rd1").response.status, 429);
  EXPECT_EQ(dcs_reset("New#Passw0rd1").response.status, 500);
  EXPECT_EQ(dcs_reset("New#Passw0rd1").response.status, 200);
}

TEST(SimFaultRates, ASeedReplaysTheSameFaults) {
  auto run = [](std::uint64_t seed) {
    ManualClock clock(TimePoint{} + std::chrono::hours(24 * 365 * 56));
    Simulator sim(clock, seed);
    sim.configure(json(R"({"access_keys":[{"ak":"AK","sk":"SK"}],"faults":{"error_rate":0.5},
      "instances":[{"id":"k","service":"kafka","project_id":"p1"}]})"));
    cloud::AccessKey key{"AK", Secret("SK"), Secret()};
    std::string statuses;
    for (int i = 0; i < 40; ++i) {
      statuses += std::to_string(
                      sim.handle(signed_request("POST", "/v2/p1/instances/k/password",
                                                R"({"new_password":"Kafka#Passw0rd"})", key, clock))
                          .response.status) +
                  " ";
    }
    return statuses;
  };
  const std::string a = run(42);
  EXPECT_EQ(a, run(42));
  EXPECT_NE(a, run(43));
  EXPECT_NE(a.find("500"), std::string::npos);
  EXPECT_NE(a.find("204"), std::string::npos);
}

TEST_F(SimServices, AdminCreatesUpdatesAndValidatesInstances) {
  auto r =
      admin("PUT", "/_sim/instances/new1", R"({"service":"dcs","project_id":"p1","password":"x"})");
  EXPECT_EQ(r.response.status, 201);
  r = admin("PUT", "/_sim/instances/new1", R"({"doc_version":"dcs-reset-002"})");
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(field(r, "doc_version"), "dcs-reset-002");
  r = admin("PUT", "/_sim/instances/new1", R"({"doc_version":"ddm-otc"})");  // wrong call
  EXPECT_EQ(r.response.status, 400);
  EXPECT_EQ(
      admin("PUT", "/_sim/instances/x", R"({"service":"redis","project_id":"p"})").response.status,
      400);
  EXPECT_EQ(admin("PUT", "/_sim/instances/x", R"({"service":"dcs"})").response.status, 400);
  EXPECT_EQ(admin("GET", "/_sim/instances/nope").response.status, 404);
  EXPECT_EQ(admin("DELETE", "/_sim/instances/new1").response.status, 200);
  EXPECT_EQ(admin("GET", "/_sim/instances/new1").response.status, 404);
}

TEST_F(SimServices, AdminCallLogRedactsPasswords) {
  dcs_reset("Secret#Passw0rd");
  ddm("root", "Other#Passw0rd9");
  const auto r = admin("GET", "/_sim/calls");
  EXPECT_EQ(r.response.body.find("Secret#Passw0rd"), std::string::npos);
  EXPECT_EQ(r.response.body.find("Other#Passw0rd9"), std::string::npos);
  EXPECT_NE(r.response.body.find("<redacted 15 chars>"), std::string::npos);
  Json calls = json(r.response.body);
  ASSERT_EQ(calls.at("calls").size(), 2u);
  EXPECT_EQ(calls.at("calls").at(0).at("action").as_string(), "dcs.reset");
  EXPECT_EQ(calls.at("calls").at(1).at("status").as_integer(), 200);
  EXPECT_EQ(json(admin("GET", "/_sim/calls", "").response.body).at("calls").size(), 2u);
  EXPECT_EQ(json(admin("GET", "/_sim/calls?since=1").response.body).at("calls").size(), 1u);
  admin("DELETE", "/_sim/calls");
  EXPECT_EQ(json(admin("GET", "/_sim/calls").response.body).at("calls").size(), 0u);
}

TEST_F(SimServices, AdminClockAndLoopbackOnly) {
  const TimePoint before = clock_.now();
  EXPECT_EQ(admin("POST", "/_sim/clock", R"({"advance_seconds":300})").response.status, 200);
  EXPECT_EQ(clock_.now() - before, 300s);
  auto remote = request("GET", "/_sim/instances");
  remote.peer = "10.0.0.7:5555";
  EXPECT_EQ(sim_.handle(remote).response.status, 403);
  remote.peer = "127.0.0.1:5555";
  EXPECT_EQ(sim_.handle(remote).response.status, 200);
}

TEST(SimConfig, YamlKeepsPasswordsAsStringsAndTypesKnownNumbers) {
  const Json v = yaml_to_json(YAML::Load(R"(
instances:
  - {id: d, service: dcs, project_id: p, password: 12345678, redis_port: 6379,
     password_free: false, faults: {error_rate: 0.25, busy: none}}
)"));
  const Json& inst = v.at("instances").at(0);
  EXPECT_TRUE(inst.at("password").is_string());
  EXPECT_EQ(inst.at("password").as_string(), "12345678");
  EXPECT_EQ(inst.at("redis_port").as_integer(), 6379);
  EXPECT_TRUE(inst.at("password_free").is_boolean());
  EXPECT_DOUBLE_EQ(inst.at("faults").at("error_rate").as_double(), 0.25);
  ManualClock clock(TimePoint{});
  Simulator sim(clock);
  EXPECT_NO_THROW(sim.configure(v));
  EXPECT_EQ(sim.instance("d")->at("password").as_string(), "12345678");
}

}  // namespace
}  // namespace rotor::sim
