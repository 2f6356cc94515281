// Every documented answer of every call maps to the outcome the callers rely on.
#include "cloud/outcome.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "testing/fake_http.hpp"
#include "util/json.hpp"

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
  EXPECT_EQ(o.code, "1");
  EXPECT_EQ(o.message, "success");
}

TEST(Outcome, DcsResetLenientReadingTakesOnlyTopLevelKeys) {
  // Not JSON (no comma): a "code" nested in another object or inside a string is no answer.
  EXPECT_EQ(read(CallKind::kDcsReset, 200, R"({"error":{"code":"1"} "message":"x"})").kind,
            K::kUnknown);
  EXPECT_EQ(read(CallKind::kDcsReset, 200, R"({"note":"\"code\":\"1\"" "message":"x"})").kind,
            K::kUnknown);
  // ...and a body that is not shaped like an object is not read leniently at all.
  EXPECT_EQ(read(CallKind::kDcsReset, 200, R"(<p>"code":"1"</p>)").kind, K::kUnknown);
  const auto locked = read(CallKind::kDcsReset, 200, "{\"code\" : 3 \"lock_time_left\" : \"2\"}");
  EXPECT_EQ(locked.kind, K::kLocked);
  ASSERT_TRUE(locked.lock_left);
  EXPECT_EQ(locked.lock_left->count(), 2);
}

TEST(Outcome, DcsReset200WithoutAResultCodeIsUnknownWithItsReason) {
  const auto no_code = read(CallKind::kDcsReset, 200, R"({"lock_time":"0","ext_message":null})");
  EXPECT_EQ(no_code.kind, K::kUnknown);
  EXPECT_EQ(no_code.message, "a 200 answer without a result code");
  const auto html = read(CallKind::kDcsReset, 200, "<html>gateway</html>");
  EXPECT_EQ(html.kind, K::kUnknown);
  EXPECT_EQ(html.message, "a 200 answer that is not JSON");
  const auto other = read(CallKind::kDcsReset, 200, R"({"code":"2","message":"failed"})");
  EXPECT_EQ(other.kind, K::kUnknown);
  EXPECT_EQ(other.code, "2");
  EXPECT_EQ(other.message, "a 200 answer with an unrecognised result code: failed");
  // Doc 000 gives "success" as the message of a successful reset: enough without a code.
  EXPECT_EQ(read(CallKind::kDcsReset, 200, R"({"message":"success","ext_message":null})").kind,
            K::kApplied);
  // A code that contradicts it wins.
  EXPECT_EQ(read(CallKind::kDcsReset, 200, R"({"code":"2","message":"success"})").kind,
            K::kUnknown);
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
  const auto html = read(CallKind::kDcsChange, 200, "<html>result: success</html>");
  EXPECT_EQ(html.kind, K::kUnknown);
  EXPECT_EQ(html.message, "a 200 answer that is not JSON");
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

TEST(Outcome, A2xxThatIsNotTheDocumentedAnswerIsUnknown) {
  // A proxy's page is no proof that the service took the password.
  for (auto call : {CallKind::kDdmReset, CallKind::kDmsReset}) {
    const auto o = read(call, 200, "<html><body>Welcome</body></html>");
    EXPECT_EQ(o.kind, K::kUnknown);
    EXPECT_EQ(o.message, "a 200 answer that is not JSON");
  }
  EXPECT_EQ(read(CallKind::kDdmReset, 200, "").message, "a 200 answer without a body");
  EXPECT_EQ(read(CallKind::kDdmReset, 200, "[]").message,
            "a 200 answer that is JSON but not an object");
  EXPECT_EQ(read(CallKind::kDmsReset, 200, "\"ok\"").kind, K::kUnknown);
  const auto error = read(CallKind::kDdmReset, 200, R"({"errCode":"DBS.280001"})");
  EXPECT_EQ(error.kind, K::kUnknown);
  EXPECT_EQ(error.code, "DBS.280001");
}

TEST(Outcome, DdmAndDmsSuccessAsDocumented) {
  EXPECT_EQ(read(CallKind::kDdmReset, 200, "{}").kind, K::kApplied);  // doc 003: "{ }"
  EXPECT_EQ(read(CallKind::kDmsReset, 204, "").kind, K::kApplied);    // doc 004: 204
  EXPECT_EQ(read(CallKind::kDmsReset, 200, "").kind, K::kApplied);
  EXPECT_EQ(read(CallKind::kDmsReset, 200, "{}").kind, K::kApplied);
  EXPECT_EQ(read(CallKind::kDmsReset, 200, R"({"instance_id":"i"})").kind, K::kApplied);
}

TEST(Outcome, IamTokenNeeds201WithASubjectToken) {
  http::Headers h;
  h.set("X-Subject-Token", "token");
  EXPECT_EQ(interpret(CallKind::kIamToken, FakeHttpClient::answer(201, "{}", h)).kind, K::kApplied);
  const auto no_token = read(CallKind::kIamToken, 201, R"({"token":{}})");
  EXPECT_EQ(no_token.kind, K::kUnknown);
  EXPECT_EQ(no_token.message, "a 201 answer without an X-Subject-Token header");
  EXPECT_EQ(read(CallKind::kIamToken, 200, "<html></html>").kind, K::kUnknown);
}

TEST(Outcome, HostileBodiesAreUnknownAndNeverCrash) {
  const std::array calls = {CallKind::kDcsReset, CallKind::kDcsChange, CallKind::kDdmReset,
                            CallKind::kDmsReset};
  const std::string huge(1 << 20, 'x');
  // ~30 KB bodies that crashed the old std::regex reader, which recursed once per byte of
  // a value or of the space before a colon; and runs of empty keys.
  std::vector<std::string> bodies;
  for (const char* key : {"code", "result"}) {
    bodies.push_back("{\"" + std::string(key) + "\":" + std::string(30000, ':') + "}");
    bodies.push_back("{\"" + std::string(key) + "\"" + std::string(30000, ' ') + ":x}");
  }
  std::string quotes = "{";
  for (int i = 0; i < 10000; ++i) quotes += R"("":)";
  bodies.push_back(quotes + "}");
  bodies.push_back(quotes.substr(1));
  // Nesting deep enough to overflow a parser that recursed per level, yet under 64 KiB.
  const std::string nested = std::string(32000, '[') + std::string(32000, ']');
  bodies.push_back(nested);
  bodies.push_back("{" + std::string(60000, '{') + "}");
  bodies.push_back(std::string(100000, '[') + std::string(100000, ']'));
  for (auto call : calls) {
    const auto big = read(call, 200, huge);
    EXPECT_EQ(big.kind, K::kUnknown);
    EXPECT_EQ(big.message, "a 200 answer too large to read (over 64 KiB)");
    for (const auto& body : bodies) {
      EXPECT_EQ(read(call, 200, body).kind, K::kUnknown) << body.substr(0, 12);
    }
    EXPECT_EQ(read(call, 400, nested).message, "an error answer that is not JSON");
    EXPECT_EQ(read(call, 502, huge).message, "an error answer too large to read");
  }
}

TEST(Outcome, TheJsonParserRefusesDeepNestingWithoutCrashing) {
  EXPECT_FALSE(parse_json(std::string(100000, '[') + std::string(100000, ']')));
  EXPECT_FALSE(parse_json(std::string(100000, '{')));
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += R"({"a":[)";
  EXPECT_FALSE(parse_json(deep));
  EXPECT_TRUE(parse_json(std::string(20, '[') + std::string(20, ']')));
}

TEST(Outcome, A2xxMessageNeverQuotesTheBody) {
  const Secret pw("Sup3r$ecretPassw0rd!");
  for (auto call :
       {CallKind::kDcsReset, CallKind::kDcsChange, CallKind::kDdmReset, CallKind::kDmsReset}) {
    const auto o =
        interpret(call, FakeHttpClient::answer(200, "<html>Sup3r$ecretPassw0rd!</html>"), {&pw});
    EXPECT_EQ(o.kind, K::kUnknown);
    EXPECT_EQ(o.describe().find("Sup3r"), std::string::npos) << o.describe();
  }
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
