#include "sim/spec.hpp"

#include <algorithm>
#include <cmath>

#include "http/http.hpp"
#include "password/policy.hpp"

namespace rotor::sim {
namespace {

using password::Call;

std::string get_string(const Json& spec, const std::string& key) {
  const Json* v = member(spec, key);
  if (!v || !v->is_string()) throw SpecError("field '" + key + "' must be a string");
  return v->as_string();
}

bool get_bool(const Json& spec, const std::string& key) {
  const Json* v = member(spec, key);
  if (!v || !v->is_boolean()) throw SpecError("field '" + key + "' must be true or false");
  return v->as_bool();
}

int get_int(const Json& spec, const std::string& key, int min, int max) {
  const Json* v = member(spec, key);
  if (!v || !v->is_integer() || v->as_integer() < min || v->as_integer() > max) {
    throw SpecError("field '" + key + "' must be an integer in [" + std::to_string(min) + ", " +
                    std::to_string(max) + "]");
  }
  return v->as_integer();
}

double get_rate(const Json& spec, const std::string& key) {
  const Json* v = member(spec, key);
  if (!v || !v->is_number() || v->as_double() < 0 || v->as_double() > 1) {
    throw SpecError("field '" + key + "' must be a number in [0, 1]");
  }
  return v->as_double();
}

// The call whose rules `doc_version` (or `change_doc_version`) of `service` names.
Call reset_call(Service s) {
  switch (s) {
    case Service::kDcs:
      return Call::kDcsReset;
    case Service::kDdm:
      return Call::kDdmReset;
    case Service::kKafka:
    case Service::kRabbitMq:
      return Call::kDmsReset;
  }
  return Call::kDcsReset;
}

std::string checked_version(const Json& spec, const std::string& key, Call call) {
  const std::string id = get_string(spec, key);
  std::string known;
  for (const auto& r : password::document_versions(call)) {
    if (r.id == id) return id;
    known += (known.empty() ? "" : ", ") + r.id;
  }
  throw SpecError("field '" + key + "': '" + id + "' is not a document version of " +
                  password::to_string(call) + " (known: " + known + ")");
}

bool secret_key_name(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word : {"password", "secret", "token", "sk"}) {
    if (name.find(word) != std::string::npos) return true;
  }
  return false;
}

// `all`: every string below is secret: under a member named "...token", as the JWT in
// {"id_token": {"id": "<jwt>"}}. (Not under "password": IAM's holds the user's name.)
void redact(Json& v, bool all = false) {
  if (v.is_string() && all) {
    v = Json::string("<redacted " + std::to_string(v.as_string().size()) + " chars>");
  } else if (v.is_object()) {
    for (auto& [key, field] : v.as_object()) {
      const bool secret = all || (field.is_string() && secret_key_name(key));
      redact(field, secret || http::to_lower(key).ends_with("token"));
    }
  } else if (v.is_array()) {
    for (auto& item : v.as_array()) redact(item, all);
  }
}

}  // namespace

bool parse_object(const std::string& text, Json& out) {
  std::error_code ec;
  Json v = Json::parse(text, ec);
  if (ec || !v.is_object()) return false;
  out = std::move(v);
  return true;
}

const Json* member(const Json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  const auto& obj = object.as_object();
  const auto it = obj.find(key);
  if (it == obj.end() || it->second.is_null()) return nullptr;
  return &it->second;
}

void apply_instance_spec(Instance& inst, const Json& spec, bool creating) {
  if (!spec.is_object()) throw SpecError("an instance must be a JSON object");
  if (creating) {
    if (!member(spec, "service")) throw SpecError("field 'service' is required");
    if (!member(spec, "project_id")) throw SpecError("field 'project_id' is required");
  }
  if (member(spec, "service")) {
    Service s;
    if (!parse_service(get_string(spec, "service"), s)) {
      throw SpecError("field 'service' must be dcs, ddm, kafka or rabbitmq");
    }
    if (!creating && s != inst.service) throw SpecError("field 'service' cannot change");
    inst.service = s;
  }
  // Default rules: the first version each call lists, the newest document.
  if (creating) {
    inst.doc_version = password::document_versions(reset_call(inst.service)).front().id;
    inst.change_doc_version = password::document_versions(Call::kDcsChange).front().id;
    if (inst.name.empty()) inst.name = inst.id;
  }
  if (member(spec, "project_id")) inst.project_id = get_string(spec, "project_id");
  if (member(spec, "name")) inst.name = get_string(spec, "name");
  if (member(spec, "password")) inst.password = Secret(get_string(spec, "password"));
  if (member(spec, "password_free")) inst.password_free = get_bool(spec, "password_free");
  if (member(spec, "doc_version")) {
    inst.doc_version = checked_version(spec, "doc_version", reset_call(inst.service));
  }
  if (member(spec, "change_doc_version")) {
    inst.change_doc_version = checked_version(spec, "change_doc_version", Call::kDcsChange);
  }
  if (member(spec, "reset_unsupported")) {
    inst.reset_unsupported = get_bool(spec, "reset_unsupported");
  }
  if (member(spec, "engine_version")) inst.engine_version = get_string(spec, "engine_version");
  if (member(spec, "redis_host")) inst.redis_host = get_string(spec, "redis_host");
  if (member(spec, "redis_port")) inst.redis_port = get_int(spec, "redis_port", 0, 65535);
  if (const Json* users = member(spec, "users")) {
    inst.users.clear();
    if (users->is_object()) {
      for (const auto& [name, pw] : users->as_object()) {
        if (!pw.is_string()) throw SpecError("field 'users': passwords must be strings");
        inst.users[name] = Secret(pw.as_string());
      }
    } else if (users->is_array()) {
      for (const auto& u : users->as_array()) {
        inst.users[get_string(u, "name")] = Secret(get_string(u, "password"));
      }
    } else {
      throw SpecError("field 'users' must be an object or a list");
    }
  }
  if (const Json* f = member(spec, "faults")) apply_faults_spec(inst.faults, *f);
  if (member(spec, "unlock") && get_bool(spec, "unlock")) {
    inst.retry_times_left = 5;
    inst.locked_until = {};
  }
}

void apply_faults_spec(Faults& f, const Json& spec) {
  if (!spec.is_object()) throw SpecError("faults must be a JSON object");
  constexpr int kMax = 1000000;
  if (member(spec, "latency_ms")) f.latency_ms = get_int(spec, "latency_ms", 0, 600000);
  if (member(spec, "error_rate")) f.error_rate = get_rate(spec, "error_rate");
  if (member(spec, "error_next")) f.error_next = get_int(spec, "error_next", 0, kMax);
  if (member(spec, "throttle_rate")) f.throttle_rate = get_rate(spec, "throttle_rate");
  if (member(spec, "throttle_next")) f.throttle_next = get_int(spec, "throttle_next", 0, kMax);
  if (member(spec, "busy")) {
    if (!parse_busy(get_string(spec, "busy"), f.busy)) {
      throw SpecError("field 'busy' must be none, not_running, changing_password or job_running");
    }
  }
  if (member(spec, "busy_calls")) f.busy_calls = get_int(spec, "busy_calls", 0, kMax);
  if (member(spec, "drop_rate")) f.drop_rate = get_rate(spec, "drop_rate");
  if (member(spec, "drop_next")) f.drop_next = get_int(spec, "drop_next", 0, kMax);
  if (member(spec, "rate_limit_per_s"))
    f.rate_limit_per_s = get_int(spec, "rate_limit_per_s", 0, 100000);
  if (member(spec, "rate_limit_burst"))
    f.rate_limit_burst = get_int(spec, "rate_limit_burst", 0, 100000);
  if (member(spec, "rate_limit_retry_after"))
    f.rate_limit_retry_after = get_bool(spec, "rate_limit_retry_after");
}

void apply_credentials_spec(State& state, const Json& spec) {
  if (!spec.is_object()) throw SpecError("credentials must be a JSON object");
  if (const Json* keys = member(spec, "access_keys")) {
    if (!keys->is_array()) throw SpecError("field 'access_keys' must be a list");
    for (const auto& k : keys->as_array()) {
      AccessKeyState ak;
      ak.secret_key = Secret(get_string(k, "sk"));
      if (member(k, "security_token")) ak.security_token = Secret(get_string(k, "security_token"));
      const std::string id = get_string(k, "ak");
      if (id.empty() || ak.secret_key.empty()) throw SpecError("access keys need an ak and an sk");
      state.access_keys[id] = std::move(ak);
    }
  }
  if (const Json* users = member(spec, "iam_users")) {
    if (!users->is_array()) throw SpecError("field 'iam_users' must be a list");
    for (const auto& u : users->as_array()) {
      IamUser user;
      user.password = Secret(get_string(u, "password"));
      user.domain = get_string(u, "domain");
      state.iam_users[get_string(u, "name")] = std::move(user);
    }
  }
}

Json faults_view(const Faults& f) {
  Json v = Json::object(true);
  v["latency_ms"] = Json::number(f.latency_ms);
  v["error_rate"] = Json::number(f.error_rate);
  v["error_next"] = Json::number(f.error_next);
  v["throttle_rate"] = Json::number(f.throttle_rate);
  v["throttle_next"] = Json::number(f.throttle_next);
  v["busy"] = Json::string(to_string(f.busy));
  v["busy_calls"] = Json::number(f.busy_calls);
  v["drop_rate"] = Json::number(f.drop_rate);
  v["drop_next"] = Json::number(f.drop_next);
  v["rate_limit_per_s"] = Json::number(f.rate_limit_per_s);
  v["rate_limit_burst"] = Json::number(f.rate_limit_burst);
  v["rate_limit_retry_after"] = Json::boolean(f.rate_limit_retry_after);
  return v;
}

Json instance_view(const Instance& inst, TimePoint now) {
  Json v = Json::object(true);
  v["id"] = Json::string(inst.id);
  v["name"] = Json::string(inst.name);
  v["service"] = Json::string(to_string(inst.service));
  v["project_id"] = Json::string(inst.project_id);
  v["doc_version"] = Json::string(inst.doc_version);
  if (inst.service == Service::kDcs) {
    v["change_doc_version"] = Json::string(inst.change_doc_version);
    v["password_free"] = Json::boolean(inst.password_free);
    v["reset_unsupported"] = Json::boolean(inst.reset_unsupported);
    v["engine_version"] = Json::string(inst.engine_version);
    v["redis_port"] = Json::number(inst.redis_port);
    Json lock = Json::object(true);
    lock["locked"] = Json::boolean(dcs_locked(inst, now));
    lock["retry_times_left"] = Json::number(dcs_locked(inst, now) ? 0 : inst.retry_times_left);
    lock["lock_time_left"] = Json::number(dcs_lock_minutes_left(inst, now));
    lock["locked_until"] =
        dcs_locked(inst, now) ? Json::string(format_rfc3339(inst.locked_until)) : Json::null();
    v["lock"] = lock;
  }
  if (inst.service == Service::kDdm) {
    Json users = Json::object(true);
    for (const auto& [name, pw] : inst.users) users[name] = Json::string(pw.reveal());
    v["users"] = users;
  } else {
    v["password"] = Json::string(inst.password.reveal());
  }
  v["faults"] = faults_view(inst.faults);
  return v;
}

Json credentials_view(const State& state, TimePoint now) {
  Json keys = Json::array();
  std::size_t i = 0;
  for (const auto& [id, k] : state.access_keys) {
    Json v = Json::object(true);
    v["ak"] = Json::string(id);
    v["temporary"] = Json::boolean(!k.security_token.empty());
    v["consecutive_failures"] = Json::number(k.consecutive_failures);
    v["locked"] = Json::boolean(k.locked_until > now);
    if (k.expires_at != TimePoint{}) v["expires_at"] = Json::string(format_rfc3339(k.expires_at));
    keys[i++] = v;
  }
  Json users = Json::array();
  i = 0;
  for (const auto& [name, u] : state.iam_users) {
    Json v = Json::object(true);
    v["name"] = Json::string(name);
    v["domain"] = Json::string(u.domain);
    v["failures"] = Json::number(u.failures);
    users[i++] = v;
  }
  Json out = Json::object(true);
  out["access_keys"] = keys;
  out["iam_users"] = users;
  out["tokens_issued"] = Json::number(static_cast<int>(state.tokens.size()));
  return out;
}

Json call_view(const CallRecord& c) {
  Json v = Json::object(true);
  v["seq"] = Json::number(static_cast<std::uint64_t>(c.seq));
  v["time"] = Json::string(format_rfc3339(c.time));
  v["method"] = Json::string(c.method);
  v["path"] = Json::string(c.path);
  v["action"] = Json::string(c.action);
  v["instance_id"] = Json::string(c.instance_id);
  v["principal"] = Json::string(c.principal);
  v["status"] = Json::number(c.status);
  v["outcome"] = Json::string(c.outcome);
  v["fault"] = Json::string(c.fault);
  v["request"] = Json::string(c.request);
  return v;
}

std::string redact_body(const std::string& body) {
  if (body.empty()) return "";
  std::error_code ec;
  Json v = Json::parse(body, ec);
  if (ec) return "<" + std::to_string(body.size()) + " bytes>";
  redact(v);
  return v.serialize();
}

}  // namespace rotor::sim
