#include "kube/error.hpp"

#include <charconv>
#include <string_view>

namespace rotor::kube {
namespace {

// Status messages are the server's words, but can be long (validation errors list every
// field); a log line needs the start.
constexpr std::size_t kMaxMessage = 1024;

std::optional<ErrorKind> kind_from_reason(std::string_view reason) {
  if (reason == "NotFound") return ErrorKind::kNotFound;
  if (reason == "AlreadyExists") return ErrorKind::kAlreadyExists;
  if (reason == "Conflict") return ErrorKind::kConflict;
  if (reason == "Gone" || reason == "Expired") return ErrorKind::kGone;
  if (reason == "Invalid") return ErrorKind::kInvalid;
  if (reason == "Forbidden") return ErrorKind::kForbidden;
  if (reason == "Unauthorized") return ErrorKind::kUnauthorized;
  if (reason == "BadRequest") return ErrorKind::kBadRequest;
  if (reason == "TooManyRequests") return ErrorKind::kTooManyRequests;
  if (reason == "InternalError" || reason == "ServiceUnavailable" || reason == "Timeout" ||
      reason == "ServerTimeout") {
    return ErrorKind::kServerError;
  }
  return std::nullopt;
}

ErrorKind kind_from_status(int status) {
  switch (status) {
    case 400:
      return ErrorKind::kBadRequest;
    case 401:
      return ErrorKind::kUnauthorized;
    case 403:
      return ErrorKind::kForbidden;
    case 404:
      return ErrorKind::kNotFound;
    case 409:
      return ErrorKind::kConflict;
    case 410:
      return ErrorKind::kGone;
    case 422:
      return ErrorKind::kInvalid;
    case 429:
      return ErrorKind::kTooManyRequests;
    default:
      return status >= 500 && status < 600 ? ErrorKind::kServerError : ErrorKind::kOther;
  }
}

std::string clip(std::string s) {
  if (s.size() > kMaxMessage) s = s.substr(0, kMaxMessage) + "...";
  return s;
}

}  // namespace

const char* to_string(ErrorKind k) {
  switch (k) {
    case ErrorKind::kBadRequest:
      return "BadRequest";
    case ErrorKind::kUnauthorized:
      return "Unauthorized";
    case ErrorKind::kForbidden:
      return "Forbidden";
    case ErrorKind::kNotFound:
      return "NotFound";
    case ErrorKind::kAlreadyExists:
      return "AlreadyExists";
    case ErrorKind::kConflict:
      return "Conflict";
    case ErrorKind::kGone:
      return "Gone";
    case ErrorKind::kInvalid:
      return "Invalid";
    case ErrorKind::kTooManyRequests:
      return "TooManyRequests";
    case ErrorKind::kServerError:
      return "ServerError";
    case ErrorKind::kTransport:
      return "Transport";
    case ErrorKind::kDecode:
      return "Decode";
    case ErrorKind::kOther:
      return "Other";
  }
  return "Other";
}

std::string Error::describe() const {
  std::string out = to_string(kind);
  if (http_status != 0) out += " (" + std::to_string(http_status) + ")";
  if (!message.empty()) out += ": " + message;
  return out;
}

Error error_from_status(const Json& status, int http_status_fallback) {
  Error e;
  e.http_status = static_cast<int>(get_int(status, {"code"}, http_status_fallback));
  e.reason = get_string(status, {"reason"});
  e.message = clip(get_string(status, {"message"}));
  e.retry_after_seconds = static_cast<int>(get_int(status, {"details", "retryAfterSeconds"}));
  if (auto k = kind_from_reason(e.reason)) {
    e.kind = *k;
  } else {
    e.kind = kind_from_status(e.http_status);
  }
  // 409 without a reason is a conflict; with AlreadyExists it was mapped above.
  if (e.message.empty()) e.message = e.reason.empty() ? "no message" : e.reason;
  return e;
}

Error error_from_response(int http_status, const std::string& body,
                          const std::optional<std::string>& retry_after) {
  Error e;
  auto parsed = parse_json(body);
  if (parsed && get_string(*parsed, {"kind"}) == "Status") {
    e = error_from_status(*parsed, http_status);
    e.http_status = http_status;  // the HTTP status wins over Status.code when they differ
    if (!kind_from_reason(e.reason)) e.kind = kind_from_status(http_status);
  } else {
    // Not a Status (a proxy's HTML page, say): the body is not quoted, it could be anything.
    e.http_status = http_status;
    e.kind = kind_from_status(http_status);
    e.message = "HTTP " + std::to_string(http_status);
  }
  if (retry_after && e.retry_after_seconds == 0) {
    int seconds = 0;
    const std::string& v = *retry_after;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (ec == std::errc() && ptr == v.data() + v.size()) e.retry_after_seconds = seconds;
  }
  return e;
}

Error transport_error(http::TransportError t, std::string detail) {
  Error e;
  e.kind = ErrorKind::kTransport;
  e.transport = t;
  e.message = std::string(http::to_string(t)) + (detail.empty() ? "" : ": " + clip(detail));
  return e;
}

Error decode_error(std::string what) {
  Error e;
  e.kind = ErrorKind::kDecode;
  e.message = std::move(what);
  return e;
}

}  // namespace rotor::kube
