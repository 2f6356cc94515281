#include "cloud/outcome.hpp"

#include <array>
#include <regex>
#include <string_view>

#include "util/json.hpp"

namespace rotor::cloud {
namespace {

constexpr std::size_t kMaxMessage = 300;

// DCS codes that mean "not now": the instance is not running, restarting, extending,
// configuring, upgrading, changing its password, or running a job. Retrying is safe.
bool is_dcs_busy(std::string_view code) {
  static constexpr std::array<std::string_view, 5> kBusy = {"DCS.4049", "DCS.4026", "DCS.4017",
                                                            "DCS.4115", "DCS.4069"};
  for (auto c : kBusy) {
    if (code == c) return true;
  }
  // DCS.4111 .. DCS.4120: restarting / extending / configuring / upgrading / ...
  if (code.size() == 8 && code.substr(0, 6) == "DCS.41") {
    const int n = (code[6] - '0') * 10 + (code[7] - '0');
    return n >= 11 && n <= 20;
  }
  return false;
}

bool is_auth_code(std::string_view code) {
  return code == "APIG.0301" || code == "APIG.0302" || code == "APIG.0306" ||
         (code.size() == 8 && code.substr(0, 7) == "DCS.100" && code[7] >= '1' && code[7] <= '4');
}

// The cloud's error code and message, from whichever shape the service uses:
// DCS/DMS/APIG `error_code`/`error_msg`, DDM `errCode`/`externalMessage`, IAM `error.message`.
void read_error(const Json& body, Outcome& out) {
  out.code = json_string(body, "error_code").value_or(json_string(body, "errCode").value_or(""));
  out.message = json_string(body, "error_msg")
                    .value_or(json_string(body, "externalMessage")
                                  .value_or(json_string(body, "message").value_or("")));
  if (out.code.empty() && body.is_object() && body.has_field("error")) {
    out.code = json_string(body.at("error"), "code").value_or("");
    out.message = json_string(body.at("error"), "message").value_or("");
  }
}

// The 002 reset doc's 200 example is not JSON (a missing comma). Real answers are JSON, but
// reading a "key" : "value" pair out of a broken body costs nothing.
std::optional<std::string> lenient_field(const std::string& body, const std::string& key) {
  const std::regex re("\"" + key + "\"\\s*:\\s*\"?([^\",}\\s]*)\"?");
  std::smatch m;
  if (std::regex_search(body, m, re)) return m[1].str();
  return std::nullopt;
}

std::optional<std::string> field(const std::optional<Json>& json, const std::string& raw,
                                 const std::string& key) {
  if (json) return json_string(*json, key);
  return lenient_field(raw, key);
}

std::optional<int> int_field(const std::optional<Json>& json, const std::string& raw,
                             const std::string& key) {
  const auto s = field(json, raw, key);
  if (!s || s->empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const int v = std::stoi(*s, &used);
    if (used == s->size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

Outcome read_success(CallKind call, const http::Response& r, Outcome out) {
  const auto json = parse_json(r.body);
  switch (call) {
    case CallKind::kDcsReset: {
      // 200 with code "1" is success and "3" means locked; anything else leaves us unsure.
      const auto code = field(json, r.body, "code");
      out.code = code.value_or("");
      out.message = field(json, r.body, "message").value_or("");
      if (code == "1") {
        out.kind = OutcomeKind::kApplied;
      } else if (code == "3") {
        out.kind = OutcomeKind::kLocked;
        if (auto left = int_field(json, r.body, "lock_time_left"))
          out.lock_left = std::chrono::minutes(*left);
      } else {
        out.kind = OutcomeKind::kUnknown;
        if (out.message.empty()) out.message = "a 200 answer without a recognisable result code";
      }
      return out;
    }
    case CallKind::kDcsChange: {
      // Wrong password and lockout answer 200 too: only result "success" is success.
      const auto result = field(json, r.body, "result");
      out.code = result.value_or("");
      out.message = field(json, r.body, "message").value_or("");
      out.retry_times_left = int_field(json, r.body, "retry_times_left");
      if (auto left = int_field(json, r.body, "lock_time_left"))
        out.lock_left = std::chrono::minutes(*left);
      if (result == "success") {
        out.kind = OutcomeKind::kApplied;
        out.lock_left.reset();
      } else if (result == "passwordFailed") {
        out.kind = OutcomeKind::kWrongOldPassword;
      } else if (result == "locked") {
        out.kind = OutcomeKind::kLocked;
      } else if (result == "failed") {
        out.kind = OutcomeKind::kRejected;
      } else {
        out.kind = OutcomeKind::kUnknown;
        if (out.message.empty()) out.message = "a 200 answer without a recognisable result";
      }
      return out;
    }
    case CallKind::kDdmReset:
    case CallKind::kDmsReset:
    case CallKind::kIamToken:
      // DDM answers `{}`, DMS 204 without a body, IAM 201: the status is the answer.
      out.kind = OutcomeKind::kApplied;
      return out;
  }
  return out;
}

Outcome read_error_answer(CallKind call, const http::Response& r, Outcome out) {
  if (const auto json = parse_json(r.body)) read_error(*json, out);
  if (r.status == 429 || out.code == "APIG.0308") {
    out.kind = OutcomeKind::kThrottled;
  } else if (r.status == 401 || r.status == 403 || is_auth_code(out.code)) {
    out.kind = OutcomeKind::kAuthFailed;
  } else if (call == CallKind::kDcsReset && out.code == "DCS.4839") {
    // OTC's error table uses DCS.4839 for something else; only as the reset's answer does
    // it mean "reset unsupported".
    out.kind = OutcomeKind::kResetUnsupported;
  } else if (is_dcs_busy(out.code)) {
    out.kind = OutcomeKind::kBusy;
  } else if (call == CallKind::kDcsChange && out.code == "DCS.4080") {
    out.kind = OutcomeKind::kWrongOldPassword;
  } else if (r.status >= 500) {
    out.kind = OutcomeKind::kUnknown;  // the server failed somewhere: it may have applied it
  } else if (r.status >= 400) {
    out.kind = OutcomeKind::kRejected;
  } else {
    out.kind = OutcomeKind::kUnknown;  // 1xx/3xx: nothing we asked for
  }
  if (out.message.empty() && r.status >= 400 && !parse_json(r.body)) {
    out.message = "an error answer that is not JSON";
  }
  return out;
}

}  // namespace

const char* to_string(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::kApplied:
      return "Applied";
    case OutcomeKind::kRejected:
      return "Rejected";
    case OutcomeKind::kResetUnsupported:
      return "ResetUnsupported";
    case OutcomeKind::kWrongOldPassword:
      return "WrongOldPassword";
    case OutcomeKind::kLocked:
      return "Locked";
    case OutcomeKind::kBusy:
      return "Busy";
    case OutcomeKind::kThrottled:
      return "Throttled";
    case OutcomeKind::kAuthFailed:
      return "AuthenticationFailed";
    case OutcomeKind::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

std::string Outcome::describe() const {
  std::string s = to_string(kind);
  if (http_status != 0) s += " (HTTP " + std::to_string(http_status) + ")";
  if (!code.empty()) s += " " + code;
  if (!message.empty()) s += ": " + message;
  if (retry_times_left) s += "; retries left " + std::to_string(*retry_times_left);
  if (lock_left) s += "; locked for " + std::to_string(lock_left->count()) + " min";
  return s;
}

std::string scrub(std::string text, std::initializer_list<const Secret*> secrets) {
  for (const Secret* s : secrets) {
    if (s == nullptr || s->empty()) continue;
    for (auto pos = text.find(s->reveal()); pos != std::string::npos;
         pos = text.find(s->reveal(), pos)) {
      text.replace(pos, s->size(), "***");
      pos += 3;
    }
  }
  // Control characters would break a log line or a status message.
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > kMaxMessage) text = text.substr(0, kMaxMessage) + "...";
  return text;
}

Outcome interpret(CallKind call, const http::Result& result,
                  std::initializer_list<const Secret*> sent) {
  Outcome out;
  if (!result.ok()) {
    // Nothing was sent only when the request could not even be built.
    out.kind = result.error == http::TransportError::kInvalidRequest ? OutcomeKind::kRejected
                                                                     : OutcomeKind::kUnknown;
    out.code = http::to_string(result.error);
    out.message = scrub(result.error_detail, sent);
    return out;
  }
  const http::Response& r = *result.response;
  out.http_status = r.status;
  out = r.status >= 200 && r.status < 300 ? read_success(call, r, std::move(out))
                                          : read_error_answer(call, r, std::move(out));
  out.code = scrub(out.code, sent);
  out.message = scrub(out.message, sent);
  return out;
}

}  // namespace rotor::cloud
