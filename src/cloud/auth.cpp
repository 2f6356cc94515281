#include "cloud/auth.hpp"

#include "util/json.hpp"

namespace rotor::cloud {

// A refusal is the credentials' fault and must not be repeated (IAM locks the user).
OutcomeKind token_failure_kind(const Outcome& o) {
  if (o.kind == OutcomeKind::kThrottled) return OutcomeKind::kThrottled;
  const bool refused = o.kind == OutcomeKind::kAuthFailed || o.http_status == 400 ||
                       o.http_status == 401 || o.http_status == 403;
  return refused ? OutcomeKind::kAuthFailed : OutcomeKind::kNotSent;
}

std::optional<Outcome> AkSkAuthenticator::authenticate(http::Request& request) {
  sign_request(request, key_, clock_);
  return std::nullopt;
}

std::optional<Outcome> IamTokenAuthenticator::authenticate(http::Request& request) {
  std::lock_guard lock(mu_);
  if (token_.empty() || clock_.now() + kRefreshMargin >= expires_at_) {
    if (auto failure = fetch_token()) return failure;
  }
  request.headers.set("X-Auth-Token", token_.reveal());
  return std::nullopt;
}

void IamTokenAuthenticator::rejected() {
  // The token may have been revoked: fetch a fresh one next time, but not now in a loop.
  std::lock_guard lock(mu_);
  token_ = Secret();
}

std::optional<Outcome> IamTokenAuthenticator::fetch_token() {
  Json body = Json::object();
  Json user = Json::object();
  user["name"] = Json::string(user_.username);
  user["password"] = Json::string(user_.password.reveal());
  user["domain"] = Json::object();
  user["domain"]["name"] = Json::string(user_.domain);
  Json identity = Json::object();
  identity["methods"] = Json::array({Json::string("password")});
  identity["password"] = Json::object();
  identity["password"]["user"] = user;
  Json scope = Json::object();
  scope["project"] = Json::object();
  scope["project"]["id"] = Json::string(user_.project_id);
  body["auth"] = Json::object();
  body["auth"]["identity"] = identity;
  body["auth"]["scope"] = scope;

  http::Request req{"POST", iam_base_url_ + "/v3/auth/tokens", {}, to_json_string(body)};
  req.headers.set("Content-Type", "application/json;charset=UTF-8");
  const http::Result result = client_.send(req);
  cleanse(req.body);
  Outcome outcome = interpret(CallKind::kIamToken, result, {&user_.password});
  if (!outcome.applied()) {
    outcome.kind = token_failure_kind(outcome);
    outcome.message = "IAM token request failed: " + outcome.message;
    return outcome;
  }
  const auto& resp = *result.response;
  const auto token = resp.headers.get("X-Subject-Token");
  if (!token || token->empty()) {
    // IAM took the password but gave no token: nothing to hold against the credentials.
    outcome.kind = OutcomeKind::kNotSent;
    outcome.message = "IAM answered without an X-Subject-Token header";
    return outcome;
  }
  token_ = Secret(*token);
  // Without a readable expiry, assume the documented 24 hours.
  expires_at_ = clock_.now() + std::chrono::hours(24);
  if (const auto json = parse_json(resp.body); json && json->has_field("token")) {
    TimePoint t;
    if (auto at = json_string(json->at("token"), "expires_at"); at && parse_rfc3339(*at, t)) {
      expires_at_ = t;
    }
  }
  return std::nullopt;
}

}  // namespace rotor::cloud
