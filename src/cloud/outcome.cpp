#include "cloud/outcome.hpp"

#include <algorithm>
#include <array>
#include <cctype>
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

// The first 64 KiB are plenty for any documented answer; a larger 2xx body is not read.
constexpr std::size_t kMaxBody = 64 * 1024;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// The index just past the string literal whose opening quote is at s[i]; npos when the
// string never ends.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;  // an escaped quote does not end the string
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The value starting at s[i]: a string's contents or a bare token (number, boolean) up to
// the next delimiter; nullopt for null or nothing, as json_string() does.
std::optional<std::string> lenient_value(std::string_view s, std::size_t i) {
  if (i < s.size() && s[i] == '"') {
    const std::size_t end = skip_string(s, i);
    if (end == std::string_view::npos) return std::nullopt;
    return std::string(s.substr(i + 1, end - i - 2));
  }
  std::size_t end = i;
  while (end < s.size() && !is_space(s[end]) && s[end] != ',' && s[end] != '}' && s[end] != ']') {
    ++end;
  }
  const std::string_view token = s.substr(i, end - i);
  if (token.empty() || token == "null") return std::nullopt;
  return std::string(token);
}

// The 002 reset doc's 200 example is not JSON (a missing comma). Real answers are JSON, but
// reading a top-level "key" : value pair out of a near-JSON object costs nothing. One pass
// without backtracking or recursion: the answer is untrusted and may be anything.
std::optional<std::string> lenient_field(std::string_view body, std::string_view key) {
  int depth = 0;
  std::size_t i = 0;
  while (i < body.size()) {
    const char c = body[i];
    if (c != '"') {
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
      ++i;
      continue;
    }
    const std::size_t end = skip_string(body, i);
    if (end == std::string_view::npos) return std::nullopt;
    const std::size_t colon = skip_space(body, end);
    const bool is_key = colon < body.size() && body[colon] == ':';
    if (is_key && depth == 1 && body.substr(i + 1, end - i - 2) == key) {
      return lenient_value(body, skip_space(body, colon + 1));
    }
    i = end;
  }
  return std::nullopt;
}

// A 2xx body: JSON, or (DCS only) an object with a syntax slip that is read leniently.
struct Body {
  std::string_view raw;
  std::optional<Json> json;
  bool near_json = false;  // not JSON, but `{...}`: read leniently
};

Body read_body(const std::string& raw, bool lenient) {
  Body b{raw, parse_json(raw)};
  const std::string_view t = trim(raw);
  b.near_json = lenient && !b.json && t.size() >= 2 && t.front() == '{' && t.back() == '}';
  return b;
}

std::string an_answer(int status) {
  return "a " + std::to_string(status) + " answer";
}

// Why `b` is not an object we can read; nullopt when it is. Never quotes the body: it
// could be anything, a password included.
std::optional<std::string> not_an_object(const Body& b, int status) {
  if ((b.json && b.json->is_object()) || b.near_json) return std::nullopt;
  if (trim(b.raw).empty()) return an_answer(status) + " without a body";
  if (b.json) return an_answer(status) + " that is JSON but not an object";
  return an_answer(status) + " that is not JSON";
}

Outcome unknown(Outcome out, std::string why) {
  out.kind = OutcomeKind::kUnknown;
  out.message = std::move(why);
  return out;
}

// `why`, followed by the cloud's own words when it said any.
std::string reason(std::string why, const std::string& cloud_message) {
  return cloud_message.empty() ? why : why + ": " + cloud_message;
}

std::optional<std::string> field(const Body& b, const std::string& key) {
  if (b.json) return json_string(*b.json, key);
  if (b.near_json) return lenient_field(b.raw, key);
  return std::nullopt;
}

std::optional<int> int_field(const Body& b, const std::string& key) {
  const auto s = field(b, key);
  if (!s || s->empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const int v = std::stoi(*s, &used);
    if (used == s->size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Docs 000 and 002: 200 with `code` "1" and `message` "success" (000 lists "success" as
// the message's only value); api-notes: `code` "3" means locked. Anything else leaves us
// unsure whether the password was applied.
Outcome read_dcs_reset(const Body& b, int status, Outcome out) {
  if (auto why = not_an_object(b, status)) return unknown(std::move(out), *why);
  const auto code = field(b, "code");
  const std::string message = field(b, "message").value_or("");
  out.code = code.value_or("");
  out.message = message;
  if (code == "1" || (!code && equals_ignoring_case(message, "success"))) {
    out.kind = OutcomeKind::kApplied;
  } else if (code == "3") {
    out.kind = OutcomeKind::kLocked;
    if (auto left = int_field(b, "lock_time_left")) out.lock_left = std::chrono::minutes(*left);
  } else if (!code) {
    return unknown(std::move(out), reason(an_answer(status) + " without a result code", message));
  } else {
    return unknown(std::move(out),
                   reason(an_answer(status) + " with an unrecognised result code", message));
  }
  return out;
}

// Doc 001: wrong password and lockout answer 200 too; only result "success" is success.
Outcome read_dcs_change(const Body& b, int status, Outcome out) {
  if (auto why = not_an_object(b, status)) return unknown(std::move(out), *why);
  const auto result = field(b, "result");
  out.code = result.value_or("");
  out.message = field(b, "message").value_or("");
  out.retry_times_left = int_field(b, "retry_times_left");
  if (auto left = int_field(b, "lock_time_left")) out.lock_left = std::chrono::minutes(*left);
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
    const std::string why = result ? " with an unrecognised result" : " without a result";
    return unknown(std::move(out), reason(an_answer(status) + why, out.message));
  }
  return out;
}

// DDM (doc 003) answers `{ }`; DMS may answer a JSON body too. An object that carries an
// error code is not a success we recognise.
Outcome read_json_object(const Body& b, int status, Outcome out) {
  if (auto why = not_an_object(b, status)) return unknown(std::move(out), *why);
  read_error(*b.json, out);
  if (!out.code.empty()) {
    return unknown(std::move(out),
                   reason(an_answer(status) + " carrying an error code", out.message));
  }
  out.message.clear();
  out.kind = OutcomeKind::kApplied;
  return out;
}

// Doc 004: 204 without a body; an empty 2xx or a JSON object is the same answer.
Outcome read_dms_reset(const http::Response& r, Outcome out) {
  if (r.status == 204 || trim(r.body).empty()) {
    out.kind = OutcomeKind::kApplied;
    return out;
  }
  return read_json_object(read_body(r.body, false), r.status, std::move(out));
}

// api-notes: IAM answers 201 with the token in X-Subject-Token (auth.cpp reads it). The
// body is not read here: its catalog may be large.
Outcome read_iam_token(const http::Response& r, Outcome out) {
  const auto token = r.headers.get("X-Subject-Token");
  if (r.status != 201) return unknown(std::move(out), an_answer(r.status) + ", not 201");
  if (!token || token->empty()) {
    return unknown(std::move(out), an_answer(r.status) + " without an X-Subject-Token header");
  }
  out.kind = OutcomeKind::kApplied;
  return out;
}

Outcome read_success(CallKind call, const http::Response& r, Outcome out) {
  if (call == CallKind::kIamToken) return read_iam_token(r, std::move(out));
  if (r.body.size() > kMaxBody) {
    return unknown(std::move(out), an_answer(r.status) + " too large to read (over 64 KiB)");
  }
  switch (call) {
    case CallKind::kDcsReset:
      return read_dcs_reset(read_body(r.body, true), r.status, std::move(out));
    case CallKind::kDcsChange:
      return read_dcs_change(read_body(r.body, true), r.status, std::move(out));
    case CallKind::kDdmReset:
      return read_json_object(read_body(r.body, false), r.status, std::move(out));
    case CallKind::kDmsReset:
      return read_dms_reset(r, std::move(out));
    case CallKind::kIamToken:
      break;
  }
  return out;
}

// Retry-After in delta-seconds (RFC 9110 10.2.3), capped at an hour; the HTTP-date form
// and anything malformed count as absent, leaving the pace to the caller's own decrease.
std::optional<std::chrono::seconds> retry_after(const http::Headers& headers) {
  const auto value = headers.get("Retry-After");
  if (!value || value->empty() || value->size() > 9) return std::nullopt;
  long seconds = 0;
  for (const char c : *value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::chrono::seconds(std::min(seconds, 3600L));
}

Outcome read_error_answer(CallKind call, const http::Response& r, Outcome out) {
  // A huge error body is not read: the status alone decides.
  const bool readable = r.body.size() <= kMaxBody;
  const auto json = readable ? parse_json(r.body) : std::nullopt;
  if (json) read_error(*json, out);
  if (r.status == 429 || out.code == "APIG.0308") {
    out.kind = OutcomeKind::kThrottled;
    out.retry_after = retry_after(r.headers);
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
  if (out.message.empty() && r.status >= 400 && !json) {
    out.message =
        readable ? "an error answer that is not JSON" : "an error answer too large to read";
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
    case OutcomeKind::kNotSent:
      return "NotSent";
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
  if (retry_after) s += "; retry after " + std::to_string(retry_after->count()) + " s";
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
