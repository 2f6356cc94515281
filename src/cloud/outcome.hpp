#pragma once
// Every answer of a password call becomes one typed outcome, so that the callers (the CLI,
// the rotation state machine) decide from a closed set instead of from HTTP details.
#include <chrono>
#include <optional>
#include <string>

#include "http/http.hpp"
#include "util/secret.hpp"

namespace rotor::cloud {

enum class OutcomeKind {
  kApplied,           // the new password is in force
  kRejected,          // definitely not applied: bad password, bad request, no such instance
  kResetUnsupported,  // DCS.4839 to the reset call: use change instead
  kWrongOldPassword,  // DCS change: the old password was wrong (never retry: lockout)
  kLocked,            // password changes are locked until lock_left has passed
  kBusy,              // the instance cannot take it now (not running, another job); retryable
  kThrottled,         // 429 / APIG.0308; retry after a few seconds
  kAuthFailed,        // 401/403: credentials are wrong or not allowed; not retried in a loop
  kUnknown,           // no answer or a 5xx: the password may or may not have been applied
  kNotSent,           // the password call was not made: nothing was sent; retry later
};
const char* to_string(OutcomeKind kind);

struct Outcome {
  OutcomeKind kind = OutcomeKind::kUnknown;
  int http_status = 0;  // 0 when no answer arrived
  std::string code;     // the cloud's error code or result, e.g. "DCS.4839", "passwordFailed"
  std::string message;  // the cloud's message, scrubbed of the passwords sent
  std::optional<int> retry_times_left;              // DCS change, wrong old password
  std::optional<std::chrono::minutes> lock_left;    // DCS change / reset, locked
  std::optional<std::chrono::seconds> retry_after;  // throttled: the gateway's Retry-After

  bool applied() const { return kind == OutcomeKind::kApplied; }
  // One line for logs and status: kind, HTTP status, code, message. Never a secret.
  std::string describe() const;
};

// The calls, as far as reading their answers goes.
enum class CallKind { kDcsReset, kDcsChange, kDdmReset, kDmsReset, kIamToken };

// Reads one answer (or transport failure) of `call`. `sent` are the secrets the request
// carried: any echo of them in the cloud's message is replaced by "***".
Outcome interpret(CallKind call, const http::Result& result,
                  std::initializer_list<const Secret*> sent = {});

// Replaces every occurrence of each non-empty secret in `text` by "***" and caps the length.
std::string scrub(std::string text, std::initializer_list<const Secret*> secrets);

}  // namespace rotor::cloud
