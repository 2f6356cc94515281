#include "cloud/federated_auth.hpp"

#include <algorithm>

#include "util/files.hpp"
#include "util/json.hpp"

namespace rotor::cloud {
namespace {

// IAM's answer carries token.expires_at; without it, a conservative hour.
constexpr auto kAssumedTokenLife = std::chrono::hours(1);
// A renewal that failed for a passing reason leaves the old credential in use until this
// long before it expires: a brief IAM or metadata outage then costs no password call.
constexpr auto kLastUse = std::chrono::minutes(5);

bool still_usable(const Outcome& failure, TimePoint now, TimePoint expires) {
  return failure.kind != OutcomeKind::kAuthFailed && now + kLastUse < expires;
}

Outcome not_sent(std::string message, int status = 0) {
  Outcome o;
  o.kind = OutcomeKind::kNotSent;
  o.http_status = status;
  o.message = std::move(message);
  return o;
}

std::string id_token_body(const Secret& jwt, const std::string& project_id) {
  Json body = Json::object();
  body["auth"] = Json::object();
  body["auth"]["id_token"] = Json::object();
  body["auth"]["id_token"]["id"] = Json::string(jwt.reveal());
  body["auth"]["scope"] = Json::object();
  body["auth"]["scope"]["project"] = Json::object();
  body["auth"]["scope"]["project"]["id"] = Json::string(project_id);
  return to_json_string(body);
}

}  // namespace

TimePoint refresh_time(TimePoint obtained, TimePoint expires) {
  const Duration life = expires - obtained;
  const Duration margin = std::min<Duration>(kCredentialRefreshMargin, life / 2);
  return expires - margin;
}

std::optional<TimePoint> token_expiry(const std::string& body) {
  const auto json = parse_json(body);
  if (!json || !json->has_field("token")) return std::nullopt;
  TimePoint t;
  const auto at = json_string(json->at("token"), "expires_at");
  if (!at || !parse_rfc3339(*at, t)) return std::nullopt;
  return t;
}

std::optional<Outcome> OidcTokenAuthenticator::authenticate(http::Request& request) {
  std::lock_guard lock(mu_);
  if (token_.empty() || clock_.now() >= refresh_at_) {
    auto failure = fetch_token();
    if (failure && (token_.empty() || !still_usable(*failure, clock_.now(), expires_at_))) {
      token_ = Secret();
      return failure;
    }
  }
  request.headers.set("X-Auth-Token", token_.reveal());
  return std::nullopt;
}

void OidcTokenAuthenticator::rejected() {
  std::lock_guard lock(mu_);
  token_ = Secret();
}

std::optional<Outcome> OidcTokenAuthenticator::fetch_token() {
  // The kubelet rewrites the file before the JWT expires: never keep an old one.
  std::string error;
  const auto jwt = read_secret_file(settings_.token_file, error);
  if (!jwt || jwt->empty()) {
    return not_sent("service-account token: " + (jwt ? settings_.token_file + " is empty" : error));
  }
  http::Request req{"POST",
                    settings_.iam_base_url + "/v3.0/OS-AUTH/id-token/tokens",
                    {},
                    id_token_body(*jwt, settings_.project_id)};
  req.headers.set("Content-Type", "application/json;charset=UTF-8");
  req.headers.set("X-Idp-Id", settings_.idp_id);
  const http::Result result = client_.send(req);
  cleanse(req.body);
  Outcome outcome = interpret(CallKind::kIamToken, result, {&*jwt});
  if (!outcome.applied()) {
    outcome.kind = token_failure_kind(outcome);
    outcome.message = "IAM id-token exchange failed: " + outcome.message;
    return outcome;
  }
  const auto& resp = *result.response;
  const TimePoint now = clock_.now();
  const TimePoint expires = token_expiry(resp.body).value_or(now + kAssumedTokenLife);
  if (expires <= now) {
    return not_sent("IAM issued a token that has already expired (clock skew?)", resp.status);
  }
  token_ = Secret(resp.headers.get("X-Subject-Token").value_or(""));
  expires_at_ = expires;
  refresh_at_ = refresh_time(now, expires);
  return std::nullopt;
}

std::optional<Outcome> TemporaryKeyAuthenticator::authenticate(http::Request& request) {
  std::lock_guard lock(mu_);
  if (!key_ || clock_.now() >= refresh_at_) {
    if (auto failure = renew();
        failure && (!key_ || !still_usable(*failure, clock_.now(), expires_at_))) {
      key_.reset();
      return failure;
    }
  }
  sign_request(request, *key_, clock_);
  return std::nullopt;
}

std::optional<Outcome> TemporaryKeyAuthenticator::renew() {
  auto fetched = source_->fetch();
  if (auto* failure = std::get_if<Outcome>(&fetched)) return std::move(*failure);
  auto& temporary = std::get<TemporaryKey>(fetched);
  const TimePoint now = clock_.now();
  if (temporary.expires_at <= now) {
    return not_sent("the temporary credential had already expired (clock skew?)");
  }
  key_ = std::move(temporary.key);
  expires_at_ = temporary.expires_at;
  refresh_at_ = refresh_time(now, expires_at_);
  return std::nullopt;
}

void TemporaryKeyAuthenticator::rejected() {
  std::lock_guard lock(mu_);
  key_.reset();
}

}  // namespace rotor::cloud
