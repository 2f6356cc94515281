#include "sim/auth.hpp"

#include <algorithm>
#include <chrono>

#include "cloud/signer.hpp"
#include "util/crypto.hpp"

namespace rotor::sim {
namespace {

constexpr int kMaxBadSignatures = 5;
constexpr auto kKeyLock = std::chrono::minutes(5);
constexpr auto kMaxSkew = std::chrono::minutes(15);

AuthResult refuse(const std::string& why) {
  AuthResult r;
  r.failure = gateway_error(401, "APIG.0301", "Incorrect IAM authentication information: " + why);
  return r;
}

AuthResult by_token(const std::string& token, State& state, TimePoint now) {
  const auto it = state.tokens.find(token);
  if (it == state.tokens.end()) return refuse("decrypt token fail");
  if (it->second.expires_at <= now) return refuse("token expires");
  AuthResult r;
  r.principal = Principal{"token:" + it->second.user, it->second.project_id, true};
  return r;
}

AuthResult check_signature(const http::ServerRequest& req, const cloud::ParsedAuthorization& auth,
                           State& state, TimePoint now) {
  const auto it = state.access_keys.find(auth.access_key);
  if (it == state.access_keys.end()) return refuse("ak not found");
  AccessKeyState& key = it->second;
  if (key.locked_until != TimePoint{} && key.locked_until <= now) {
    key.locked_until = {};
    key.consecutive_failures = 0;
  }
  if (key.locked_until > now) return refuse("the access key is locked, try again later");
  if (key.expires_at != TimePoint{} && key.expires_at <= now) {
    return refuse("the security token has expired");
  }
  // The gateway requires only x-sdk-date to be signed, and a date near its clock.
  const auto& names = auth.signed_headers;
  if (std::find(names.begin(), names.end(), "x-sdk-date") == names.end()) {
    return refuse("x-sdk-date is not signed");
  }
  TimePoint date;
  if (!parse_sdk_date(req.headers.get("X-Sdk-Date").value_or(""), date)) {
    return refuse("invalid x-sdk-date");
  }
  if (date > now + kMaxSkew || date < now - kMaxSkew) {
    return refuse("calc ak sk signature fail: signature expired");
  }
  if (!key.security_token.empty() &&
      !constant_time_equal(req.headers.get("X-Security-Token").value_or(""),
                           key.security_token.reveal())) {
    return refuse("security token mismatch");
  }
  const std::string expected = cloud::compute_signature(
      req.method, req.path, req.query, req.headers, names, req.body, key.secret_key);
  if (!constant_time_equal(expected, auth.signature)) {
    if (++key.consecutive_failures > kMaxBadSignatures) key.locked_until = now + kKeyLock;
    return refuse("verify aksk signature fail");
  }
  key.consecutive_failures = 0;
  AuthResult r;
  r.principal =
      Principal{"ak:" + auth.access_key, req.headers.get("X-Project-Id").value_or(""), false};
  return r;
}

AuthResult by_signature(const http::ServerRequest& req, const std::string& header, State& state,
                        TimePoint now) {
  cloud::ParsedAuthorization auth;
  if (!cloud::parse_authorization(header, auth)) return refuse("verify aksk signature fail");
  AuthResult r = check_signature(req, auth, state, now);
  r.claimed = "ak:" + auth.access_key;
  return r;
}

}  // namespace

AuthResult authenticate(const http::ServerRequest& req, State& state, TimePoint now) {
  if (auto token = req.headers.get("X-Auth-Token")) {
    AuthResult r = by_token(*token, state, now);
    if (!r.principal) r.claimed = "token";
    return r;
  }
  if (auto header = req.headers.get("Authorization")) {
    return by_signature(req, *header, state, now);
  }
  return refuse("no Authorization or X-Auth-Token header");
}

}  // namespace rotor::sim
