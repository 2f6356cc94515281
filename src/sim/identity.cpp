// Credentials without a static AK/SK (api-notes "Credentials without a static AK/SK"):
//   POST /v3.0/OS-AUTH/id-token/tokens    an IAM token for a verified service-account JWT
//   POST /pod-identity/credentials        temporary AK/SK for the Pod Identity agent's token
//   GET  /openstack/latest/securitykey    temporary AK/SK of the ECS agency
// Temporary keys join the access keys with their security token and expiry, so the
// gateway's signature check accepts them until they expire.
#include <algorithm>
#include <cctype>
#include <chrono>

#include "sim/handlers.hpp"
#include "sim/jwt.hpp"
#include "util/crypto.hpp"

namespace rotor::sim {
namespace {

std::string text_at(const Json& v, std::initializer_list<const char*> keys) {
  const Json* cur = &v;
  for (const char* k : keys) {
    cur = member(*cur, k);
    if (!cur) return "";
  }
  return cur->is_string() ? cur->as_string() : "";
}

Outcome unauthorized(const std::string& message, std::string outcome) {
  return keystone_error(401, "Unauthorized", message, std::move(outcome));
}

bool has_audience(const Json& claims, const std::string& audience) {
  const Json* aud = member(claims, "aud");
  if (aud && aud->is_string()) return aud->as_string() == audience;
  if (!aud || !aud->is_array()) return false;
  for (const auto& a : aud->as_array()) {
    if (a.is_string() && a.as_string() == audience) return true;
  }
  return false;
}

// Seconds since the epoch of a NumericDate claim; nullopt when absent or not a number.
std::optional<long long> numeric_date(const Json& claims, const std::string& key) {
  const Json* v = member(claims, key);
  if (!v || !v->is_number()) return std::nullopt;
  return static_cast<long long>(v->as_double());
}

// Why the claims are not acceptable to `p` at `now`; empty when they are.
std::string claims_problem(const Json& claims, const OidcProvider& p, TimePoint now) {
  const long long t =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (text_at(claims, {"iss"}) != p.issuer) return "the id_token issuer is not trusted";
  if (!has_audience(claims, p.audience)) return "the id_token audience is wrong";
  const auto exp = numeric_date(claims, "exp");
  if (!exp || *exp <= t) return "the id_token has expired";
  if (const auto nbf = numeric_date(claims, "nbf"); nbf && *nbf > t) {
    return "the id_token is not valid yet";
  }
  const std::string sub = text_at(claims, {"sub"});
  if (std::find(p.subjects.begin(), p.subjects.end(), sub) == p.subjects.end()) {
    return "the id_token subject is not allowed by the identity provider's rules";
  }
  return "";
}

Json token_body(const std::string& subject, const std::string& project, TimePoint issued,
                TimePoint expires) {
  Json u = Json::object(true);
  u["name"] = Json::string(subject);
  u["id"] = Json::string(sha256_hex("federated:" + subject).substr(0, 32));
  Json p = Json::object(true);
  p["id"] = Json::string(project);
  p["name"] = Json::string(project);
  Json t = Json::object(true);
  Json methods = Json::array();
  methods[0] = Json::string("mapped");
  t["methods"] = methods;
  t["expires_at"] = Json::string(iam_time(expires));
  t["issued_at"] = Json::string(iam_time(issued));
  t["user"] = u;
  t["project"] = p;
  t["roles"] = Json::array();
  Json out = Json::object(true);
  out["token"] = t;
  return out;
}

struct IssuedKey {
  std::string ak;
  std::string sk;
  std::string security_token;
  TimePoint expires_at;
};

IssuedKey issue_temporary_key(State& state, TimePoint now, Duration lifetime) {
  std::erase_if(state.access_keys, [&](const auto& kv) {
    return kv.second.expires_at != TimePoint{} && kv.second.expires_at <= now;
  });
  IssuedKey k;
  k.ak = random_hex(10);
  std::transform(k.ak.begin(), k.ak.end(), k.ak.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  k.ak = "TMP" + k.ak;
  k.sk = random_hex(20);
  k.security_token = "gQpjbi1zaW0" + random_hex(64);
  k.expires_at = now + lifetime;
  AccessKeyState s;
  s.secret_key = Secret(k.sk);
  s.security_token = Secret(k.security_token);
  s.expires_at = k.expires_at;
  state.access_keys[k.ak] = std::move(s);
  return k;
}

Outcome not_here() {
  return gateway_error(404, "APIG.0101",
                       "The API does not exist or has not been published in the environment.");
}

}  // namespace

Outcome iam_id_token(CallContext& c) {
  const auto& p = c.state.oidc;
  if (!p || c.request.headers.get("X-Idp-Id").value_or("") != p->provider_id) {
    return unauthorized("The identity provider does not exist.", "unknown_idp");
  }
  Json body;
  const bool parsed = parse_object(c.request.body, body);
  const std::string jwt = parsed ? text_at(body, {"auth", "id_token", "id"}) : "";
  const std::string project = parsed ? text_at(body, {"auth", "scope", "project", "id"}) : "";
  if (jwt.empty() || project.empty()) {
    return keystone_error(400, "Bad Request",
                          "auth.id_token.id and auth.scope.project.id are required.",
                          "bad_request");
  }
  std::string why;
  const auto claims = verify_rs256(jwt, p->jwks, why);
  if (!claims) return unauthorized(why, "bad_id_token");
  const TimePoint now = c.clock.now();
  if (auto problem = claims_problem(*claims, *p, now); !problem.empty()) {
    return unauthorized(problem, "bad_id_token");
  }
  std::erase_if(c.state.tokens, [&](const auto& kv) { return kv.second.expires_at <= now; });
  const std::string subject = text_at(*claims, {"sub"});
  const std::string token = new_iam_token();
  const TimePoint expires = now + p->token_lifetime;
  c.state.tokens[token] = IssuedToken{subject, "", project, expires};
  Outcome o = json_outcome(201, token_body(subject, project, now, expires), "success");
  o.reply.response.headers.set("X-Subject-Token", token);
  return o;
}

Outcome pod_identity_credentials(CallContext& c) {
  const auto& p = c.state.pod_identity;
  if (!p) return not_here();
  if (!constant_time_equal(c.request.headers.get("Authorization").value_or(""),
                           p->token.reveal())) {
    return gateway_error(401, "CCE.01401", "The pod identity token is invalid.");
  }
  const IssuedKey k = issue_temporary_key(c.state, c.clock.now(), p->lifetime);
  // The shape the official SDKs' tests give the Pod Identity agent's answer.
  Json cred = Json::object(true);
  cred["accessKeyId"] = Json::string(k.ak);
  cred["secretAccessKey"] = Json::string(k.sk);
  cred["securityToken"] = Json::string(k.security_token);
  cred["expiration"] = Json::string(iam_time(k.expires_at));
  Json out = Json::object(true);
  out["credentials"] = cred;
  return json_outcome(200, out, "success");
}

Outcome metadata_security_key(CallContext& c) {
  const auto& m = c.state.metadata;
  if (!m) return not_here();
  const IssuedKey k = issue_temporary_key(c.state, c.clock.now(), m->lifetime);
  Json cred = Json::object(true);
  cred["access"] = Json::string(k.ak);
  cred["secret"] = Json::string(k.sk);
  cred["securitytoken"] = Json::string(k.security_token);
  cred["expires_at"] = Json::string(iam_time(k.expires_at));
  Json out = Json::object(true);
  out["credential"] = cred;
  return json_outcome(200, out, "success");
}

}  // namespace rotor::sim
