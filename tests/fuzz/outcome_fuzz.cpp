// cloud::interpret, which reads every answer of the password calls and of the IAM token
// call. Whatever the answer: nothing but a 2xx is Applied, the code and message are one
// printable line of bounded length, and neither contains a secret the request carried.
#include <array>
#include <string>

#include "cloud/outcome.hpp"
#include "fuzz_check.hpp"

namespace {

using rotor::cloud::CallKind;
using rotor::cloud::OutcomeKind;

constexpr std::array<CallKind, 5> kCalls = {CallKind::kDcsReset, CallKind::kDcsChange,
                                            CallKind::kDdmReset, CallKind::kDmsReset,
                                            CallKind::kIamToken};
// The statuses the documents name, then any from 100 to 599.
constexpr std::array<int, 10> kStatuses = {200, 201, 204, 400, 401, 403, 404, 429, 500, 503};

int status(std::uint8_t a, std::uint8_t b) {
  if (a < kStatuses.size() * 20) return kStatuses[a % kStatuses.size()];
  return 100 + (a << 8 | b) % 500;
}

bool printable_line(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rotor::fuzz::Input in(data, size);
  const CallKind call = kCalls[in.byte() % kCalls.size()];
  const std::uint8_t status_a = in.byte(), status_b = in.byte();
  const bool answered = (in.byte() & 1) == 0;
  // Secrets are at least 8 characters (the shortest password any call allows).
  const rotor::Secret sent(std::string(in.take(8 + in.byte() % 24)));
  const std::string_view token = in.take(in.byte() % 64);

  rotor::http::Result result;
  if (answered) {
    rotor::http::Response response;
    response.status = status(status_a, status_b);
    if (!token.empty()) response.headers.set("X-Subject-Token", std::string(token));
    response.body = std::string(in.rest());
    result.response = std::move(response);
  } else {
    result.error = static_cast<rotor::http::TransportError>(status_a % 6);
    result.error_detail = std::string(in.rest());
  }

  const rotor::cloud::Outcome o = rotor::cloud::interpret(call, result, {&sent});
  const int http = answered ? result.response->status : 0;
  FUZZ_CHECK(o.http_status == http, "the outcome carries the answer's status");
  if (o.kind == OutcomeKind::kApplied) {
    FUZZ_CHECK(http >= 200 && http < 300, "only a 2xx answer is Applied");
  }
  FUZZ_CHECK(printable_line(o.code) && printable_line(o.message), "one printable line");
  FUZZ_CHECK(o.code.size() <= 303 && o.message.size() <= 303, "bounded length");
  // Only a secret with a character rotor's own wording never uses ("Unknown (HTTP 200): a
  // 200 answer without a body") can be told apart from it, and only without a space, which
  // joins that wording to the cloud's ("...without a result: <the cloud's message>").
  const std::string& secret = sent.reveal();
  if (secret.find_first_of("!#$%&@^~") != std::string::npos && printable_line(secret) &&
      secret.find(' ') == std::string::npos) {
    FUZZ_CHECK(
        o.code.find(secret) == std::string::npos && o.message.find(secret) == std::string::npos,
        "no secret the request carried");
  }
  return 0;
}
