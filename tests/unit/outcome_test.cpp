// Every documented answer of every call maps to the outcome the callers rely on.
#include "cloud/outcome.hpp"

#include <gtest/gtest.h>

#include "fake_http.hpp"

namespace rotor::cloud {
namespace {

using rotor::testing::FakeHttpClient;
using K = OutcomeKind;

Outcome read(CallKind call, int status, const std::string& body) {
  return interpret(call, FakeHttpClient::answer(status, body));
}

std::string dcs_error(const std::string& code) {
  return "{\"error_code\":\"" + code + "\",\"error_msg\":\"doc message\"}";
}

TEST(Outcome, DcsResetSuccessAsDocumented) {
  const auto o = read(CallKind::kDcsReset, 200,
                      R"({"lock_time":"0","lock_time_left":"0","retry_times_left":"5","code":"1",)"
                      R"("message":"success","ext_message":null})");
  EXPECT_EQ(o.kind, K::kApplied);
  EXPECT_EQ(o.code, "1");
}

TEST(Outcome, DcsResetSuccessFromTheBrokenExampleOfDoc002) {
  // Doc 002's example lacks a comma; it is read leniently.
  const auto o = read(CallKind::kDcsReset, 200,
                      "{\n  \"lock_time\" : \"0\",\n  \"lock_time_left\" : \"0\",\n"
                      "  \"retry_times_left\" : \"5\"\n  \"code\" : \"1\",\n"
                      "  \"message\" : \"success\",\n  \"ext_message\" : null\n}");
  EXPECT_EQ(o.kind, K::kApplied);
}

TEST(Outcome, DcsResetLockedAndUnrecognised) {
  const auto locked = read(CallKind::kDcsReset, 200, R"({"code":"3","lock_time_left":"4"})");
  EXPECT_EQ(locked.kind, K::kLocked);
  ASSERT_TRUE(locked.lock_left);
  EXPECT_EQ(locked.lock_left->count(), 4);
  EXPECT_EQ(read(CallKind::kDcsReset, 200, "<html>gateway</html>").kind, K::kUnknown);
  EXPECT_EQ(read(CallKind::kDcsReset, 200, "").kind, K::kUnknown);
}

TEST(Outcome, Dcs4839MeansResetUnsupportedOnlyForTheResetCall) {
  EXPECT_EQ(read(CallKind::kDcsReset, 400, dcs_error("DCS.4839")).kind, K::kResetUnsupported);
  EXPECT_EQ(read(CallKind::kDcsChange, 400, dcs_error("DCS.4839")).kind, K::kRejected);
}

TEST(Outcome, DcsChangeAnswers200ForEveryResult) {
  const auto ok =
      read(CallKind::kDcsChange, 200,
           R"({"lock_time":"0","result":"success","lock_time_left":"0",)"
           R"("retry_times_left":"5","message":"Modify DCSInstance password success."})");
  EXPECT_EQ(ok.kind, K::kApplied);
  const auto wrong = read(
      CallKind::kDcsChange, 200,
      R"({"result":"passwordFailed","retry_times_left":"3","lock_time":"0","lock_time_left":"0"})");
  EXPECT_EQ(wrong.kind, K::kWrongOldPassword);
  EXPECT_EQ(wrong.retry_times_left, 3);
  const auto locked =
      read(CallKind::kDcsChange, 200,
           R"({"result":"locked","retry_times_left":"0","lock_time":"5","lock_time_left":"5"})");
  EXPECT_EQ(locked.kind, K::kLocked);
  EXPECT_EQ(locked.lock_left->count(), 5);
  EXPECT_EQ(read(CallKind::kDcsChange, 200, R"({"result":"failed"})").kind, K::kRejected);
  EXPECT_EQ(read(CallKind::kDcsChange, 200, R"({"result":"maybe"})").kind, K::kUnknown);
  EXPECT_EQ(read(CallKind::kDcsChange, 400, dcs_error("DCS.4080")).kind, K::kWrongOldPassword);
}

TEST(Outcome, DcsBusyCodesAreRetryable) {
  for (const char* code :
       {"DCS.4049", "DCS.4026", "DCS.4017", "DCS.4115", "DCS.4111", "DCS.4116", "DCS.4120"}) {
    EXPECT_EQ(read(CallKind::kDcsReset, 400, dcs_error(code)).kind, K::kBusy) << code;
  }
  EXPECT_EQ(read(CallKind::kDcsReset, 500, dcs_error("DCS.4069")).kind, K::kBusy);
  EXPECT_EQ(read(CallKind::kDcsReset, 400, dcs_error("DCS.4121")).kind, K::kRejected);
  EXPECT_EQ(read(CallKind::kDcsReset, 400, dcs_error("DCS.4110")).kind, K::kRejected);
}

TEST(Outcome, DcsRejections) {
  for (const char* code : {"DCS.4019", "DCS.4843", "DCS.4845", "DCS.4849", "DCS.4850"}) {
    EXPECT_EQ(read(CallKind::kDcsReset, 400, dcs_error(code)).kind, K::kRejected) << code;
  }
  const auto missing = read(CallKind::kDcsReset, 404, dcs_error("DCS.3022"));
  EXPECT_EQ(missing.kind, K::kRejected);
  EXPECT_EQ(missing.code, "DCS.3022");
  EXPECT_EQ(missing.message, "doc message");
}

TEST(Outcome, AuthenticationAndThrottling) {
  for (const char* code : {"DCS.1001", "DCS.1002", "DCS.1003", "DCS.1004"}) {
    EXPECT_EQ(read(CallKind::kDcsReset, 401, dcs_error(code)).kind, K::kAuthFailed) << code;
  }
  EXPECT_EQ(read(CallKind::kDmsReset, 401, dcs_error("APIG.0301")).kind, K::kAuthFailed);
  EXPECT_EQ(read(CallKind::kDdmReset, 403, dcs_error("APIG.0302")).kind, K::kAuthFailed);
  EXPECT_EQ(read(CallKind::kDdmReset, 403, dcs_error("APIG.0306")).kind, K::kAuthFailed);
  EXPECT_EQ(read(CallKind::kDcsChange, 429, dcs_error("APIG.0308")).kind, K::kThrottled);
  EXPECT_EQ(read(CallKind::kDcsChange, 429, "").kind, K::kThrottled);
}

TEST(Outcome, ServerErrorsAndTransportFailuresAreUnknown) {
  EXPECT_EQ(read(CallKind::kDcsReset, 500, dcs_error("DCS.5000")).kind, K::kUnknown);
  EXPECT_EQ(read(CallKind::kDmsReset, 502, "bad gateway").kind, K::kUnknown);
  EXPECT_EQ(read(CallKind::kDdmReset, 503, "").kind, K::kUnknown);
  for (auto e : {http::TransportError::kTimeout, http::TransportError::kConnectionLost,
                 http::TransportError::kConnectFailed, http::TransportError::kTls}) {
    EXPECT_EQ(interpret(CallKind::kDcsReset, FakeHttpClient::failure(e)).kind, K::kUnknown);
  }
  EXPECT_EQ(
      interpret(CallKind::kDcsReset, FakeHttpClient::failure(http::TransportError::kInvalidRequest))
          .kind,
      K::kRejected);
}

TEST(Outcome, DdmAndDmsShapes) {
  EXPECT_EQ(read(CallKind::kDdmReset, 200, "{ }").kind, K::kApplied);
  const auto ddm =
      read(CallKind::kDdmReset, 400, R"({"errCode":"DBS.280001","externalMessage":"bad"})");
  EXPECT_EQ(ddm.kind, K::kRejected);
  EXPECT_EQ(ddm.code, "DBS.280001");
  EXPECT_EQ(ddm.message, "bad");
  EXPECT_EQ(read(CallKind::kDmsReset, 204, "").kind, K::kApplied);
  EXPECT_EQ(read(CallKind::kDmsReset, 400, dcs_error("DMS.00400002")).kind, K::kRejected);
  EXPECT_EQ(read(CallKind::kDmsReset, 404, "not json").message, "an error answer that is not JSON");
}

TEST(Outcome, EchoedPasswordsAreScrubbed) {
  const Secret pw("Sup3r$ecretPassw0rd!");
  const auto o =
      interpret(CallKind::kDcsReset,
                FakeHttpClient::answer(400, R"({"error_code":"DCS.4019","error_msg":)"
                                            R"("password Sup3r$ecretPassw0rd! too weak"})"),
                {&pw});
  EXPECT_EQ(o.message, "password *** too weak");
  EXPECT_EQ(o.describe().find(pw.reveal()), std::string::npos);
}

}  // namespace
}  // namespace rotor::cloud
