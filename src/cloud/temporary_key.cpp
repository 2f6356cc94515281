#include "cloud/temporary_key.hpp"

#include <cstdlib>
#include <initializer_list>

#include "cloud/auth.hpp"
#include "util/files.hpp"
#include "util/json.hpp"

namespace rotor::cloud {
namespace {

std::optional<std::string> first_of(const Json& v, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (auto s = json_string(v, k); s && !s->empty()) return s;
  }
  return std::nullopt;
}

Outcome not_sent(std::string message) {
  Outcome o;
  o.kind = OutcomeKind::kNotSent;
  o.message = std::move(message);
  return o;
}

// One credential request and its answer. `sent` are secrets the request carried, scrubbed
// from any error message the server echoes.
std::variant<TemporaryKey, Outcome> exchange(http::Client& client, const http::Request& req,
                                             const std::string& what,
                                             std::initializer_list<const Secret*> sent) {
  const http::Result result = client.send(req);
  if (result.ok() && result.response->status / 100 == 2) {
    if (auto key = parse_temporary_key(result.response->body)) return std::move(*key);
    Outcome o = not_sent(what + " answered without a readable credential");
    o.http_status = result.response->status;
    return o;
  }
  // Reads the error body and status as the IAM token call does; a 2xx never gets here.
  Outcome o = interpret(CallKind::kIamToken, result, sent);
  o.kind = token_failure_kind(o);
  o.message = what + " failed: " + o.message;
  return o;
}

}  // namespace

std::optional<TemporaryKey> parse_temporary_key(const std::string& body) {
  const auto json = parse_json(body);
  if (!json || !json->is_object()) return std::nullopt;
  const Json* cred = &*json;
  for (const char* wrapper : {"credential", "credentials"}) {
    if (json->has_field(wrapper) && json->at(wrapper).is_object()) cred = &json->at(wrapper);
  }
  auto access = first_of(*cred, {"access", "accessKeyId", "access_key_id"});
  auto secret = first_of(*cred, {"secret", "secretAccessKey", "secret_access_key"});
  auto token = first_of(*cred, {"securitytoken", "securityToken", "security_token"});
  auto expiry = first_of(*cred, {"expires_at", "expiration"});
  TemporaryKey out;
  if (!access || !secret || !token || !expiry || !parse_rfc3339(*expiry, out.expires_at)) {
    if (secret) cleanse(*secret);
    if (token) cleanse(*token);
    return std::nullopt;
  }
  out.key = AccessKey{*access, Secret(std::move(*secret)), Secret(std::move(*token))};
  return out;
}

std::variant<TemporaryKey, Outcome> PodIdentitySource::fetch() {
  std::string error;
  const auto token = read_secret_file(token_file_, error);
  if (!token || token->empty()) {
    return not_sent("pod identity token: " + (token ? token_file_ + " is empty" : error));
  }
  http::Request req{"POST", uri_, {}, "{}"};
  req.headers.set("Content-Type", "application/json");
  req.headers.set("Authorization", token->reveal());
  return exchange(client_, req, "pod identity credential request", {&*token});
}

std::optional<PodIdentityEnvironment> pod_identity_from_environment() {
  const char* uri = std::getenv(PodIdentitySource::kUriEnv);
  const char* file = std::getenv(PodIdentitySource::kTokenFileEnv);
  if (!uri || !*uri || !file || !*file) return std::nullopt;
  return PodIdentityEnvironment{uri, file};
}

std::variant<TemporaryKey, Outcome> EcsMetadataSource::fetch() {
  const http::Request req{"GET", base_url_ + "/openstack/latest/securitykey", {}, ""};
  return exchange(client_, req, "ECS metadata securitykey request", {});
}

}  // namespace rotor::cloud
