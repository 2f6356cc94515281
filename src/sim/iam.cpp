// IAM: POST /v3/auth/tokens with the password method (api-notes "IAM token"). The token
// comes back in X-Subject-Token, valid 24 hours, scoped to one project; later calls may
// send it as X-Auth-Token instead of signing.
//
// Errors use Keystone's body (keystone_error), as IAM answers.
#include <chrono>

#include "sim/handlers.hpp"
#include "util/crypto.hpp"

namespace rotor::sim {
namespace {

const Json* path(const Json& v, std::initializer_list<const char*> keys) {
  const Json* cur = &v;
  for (const char* k : keys) {
    cur = member(*cur, k);
    if (!cur) return nullptr;
  }
  return cur;
}

std::string text(const Json* v) {
  return v && v->is_string() ? v->as_string() : "";
}

}  // namespace

Outcome iam_token(CallContext& c) {
  Json body;
  if (!parse_object(c.request.body, body)) {
    return keystone_error(400, "Bad Request", "The request body is not JSON.", "bad_request");
  }
  const Json* methods = path(body, {"auth", "identity", "methods"});
  bool has_password_method = false;
  if (methods && methods->is_array()) {
    for (const auto& m : methods->as_array()) {
      has_password_method |= m.is_string() && m.as_string() == "password";
    }
  }
  const Json* user = path(body, {"auth", "identity", "password", "user"});
  const std::string name = user ? text(member(*user, "name")) : "";
  const std::string password = user ? text(member(*user, "password")) : "";
  const std::string domain = user ? text(path(*user, {"domain", "name"})) : "";
  // A project name is taken as the project's id: the simulator knows no name-to-id map.
  std::string project = text(path(body, {"auth", "scope", "project", "id"}));
  if (project.empty()) project = text(path(body, {"auth", "scope", "project", "name"}));
  if (!has_password_method || name.empty() || domain.empty() || project.empty()) {
    return keystone_error(400, "Bad Request",
                          "auth.identity (password method, user name, password, domain name) "
                          "and auth.scope.project are required.",
                          "bad_request");
  }
  auto it = c.state.iam_users.find(name);
  if (it == c.state.iam_users.end() || it->second.domain != domain ||
      !constant_time_equal(password, it->second.password.reveal())) {
    if (it != c.state.iam_users.end()) ++it->second.failures;
    return keystone_error(401, "Unauthorized", "The username or password is wrong.",
                          "wrong_password");
  }
  it->second.failures = 0;
  const TimePoint now = c.clock.now();
  std::erase_if(c.state.tokens, [&](const auto& kv) { return kv.second.expires_at <= now; });
  const std::string token = new_iam_token();
  const TimePoint expires = now + std::chrono::hours(24);
  c.state.tokens[token] = IssuedToken{name, domain, project, expires};

  Json dom = Json::object(true);
  dom["name"] = Json::string(domain);
  dom["id"] = Json::string(sha256_hex("domain:" + domain).substr(0, 32));
  Json u = Json::object(true);
  u["name"] = Json::string(name);
  u["id"] = Json::string(sha256_hex("user:" + name).substr(0, 32));
  u["domain"] = dom;
  Json p = Json::object(true);
  p["id"] = Json::string(project);
  p["name"] = Json::string(project);
  p["domain"] = dom;
  Json t = Json::object(true);
  Json methods_out = Json::array();
  methods_out[0] = Json::string("password");
  t["methods"] = methods_out;
  t["expires_at"] = Json::string(iam_time(expires));
  t["issued_at"] = Json::string(iam_time(now));
  t["user"] = u;
  t["project"] = p;
  t["catalog"] = Json::array();
  t["roles"] = Json::array();
  Json out = Json::object(true);
  out["token"] = t;
  Outcome o = json_outcome(201, out, "success");
  o.reply.response.headers.set("X-Subject-Token", token);
  return o;
}

}  // namespace rotor::sim
