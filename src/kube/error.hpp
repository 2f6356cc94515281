#pragma once
// What went wrong with an API call, typed so that controllers branch on the kind (NotFound:
// create it; Conflict: re-read and retry; Gone: relist) instead of on message text.
//
// Only the server's Status reason and message are kept, never a request or response body:
// bodies of Secret calls hold the very passwords the operator rotates.
#include <optional>
#include <string>
#include <utility>

#include "http/http.hpp"
#include "kube/json.hpp"

namespace rotor::kube {

enum class ErrorKind {
  kBadRequest,       // 400
  kUnauthorized,     // 401: bad or expired credentials
  kForbidden,        // 403: RBAC said no
  kNotFound,         // 404
  kAlreadyExists,    // 409 with reason AlreadyExists (create of an existing name)
  kConflict,         // 409 otherwise: stale resourceVersion or failed precondition
  kGone,             // 410 / reason Expired: the resourceVersion is too old; relist
  kInvalid,          // 422: the object failed validation
  kTooManyRequests,  // 429: back off (retry_after_seconds)
  kServerError,      // 5xx, including 504 server-side timeouts
  kTransport,        // no usable response: connect, TLS, timeout, connection lost
  kDecode,           // a response that is not the JSON it should be
  kOther,            // any other status
};
const char* to_string(ErrorKind k);

struct Error {
  ErrorKind kind = ErrorKind::kOther;
  int http_status = 0;          // 0 when no response arrived
  std::string reason;           // Status.reason, e.g. "NotFound", "Expired"
  std::string message;          // Status.message, or a transport/decoding description
  int retry_after_seconds = 0;  // from Status.details or Retry-After, when given
  std::optional<http::TransportError> transport;  // set for kTransport

  // One line for logs: "NotFound (404): secrets \"x\" not found".
  std::string describe() const;
};

// The error for an HTTP answer that was not a success; `body` may be a Status object or not.
Error error_from_response(int http_status, const std::string& body,
                          const std::optional<std::string>& retry_after = std::nullopt);
// The error a Status object (for instance a watch ERROR event's) stands for.
Error error_from_status(const Json& status, int http_status_fallback = 0);
Error transport_error(http::TransportError e, std::string detail);
Error decode_error(std::string what);

// A value or an Error. (std::expected is C++23.)
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error)) {}  // NOLINT
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  const Error& error() const { return error_; }
  ErrorKind kind() const { return error_.kind; }
  bool is(ErrorKind k) const { return !ok() && error_.kind == k; }

 private:
  std::optional<T> value_;
  Error error_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : ok_(false), error_(std::move(error)) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }
  ErrorKind kind() const { return error_.kind; }
  bool is(ErrorKind k) const { return !ok_ && error_.kind == k; }

 private:
  bool ok_ = true;
  Error error_;
};

}  // namespace rotor::kube
