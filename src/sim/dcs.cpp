// DCS (managed Redis): reset (docs 000, 002), change (doc 001) and ShowInstance.
//
// Error codes, from api-notes "Other DCS errors" (the seeds show only DCS.4839):
//   DCS.4849  the body is unreadable, or a required password field is missing
//   DCS.4850  a password field is not a string
//   DCS.4843  no_password_access is not a boolean
//   DCS.4019  the new password breaks the instance's document version's rules; api-notes
//             reads it as "too weak, generate another", which is what a client must do
//             whichever rule (length, classes, special set) was broken
//   DCS.4839  reset is not supported for this instance (reset call only)
//   DCS.4069  500: the password could not be set on the nodes, nothing changed
#include <chrono>

#include "password/policy.hpp"
#include "sim/handlers.hpp"
#include "util/crypto.hpp"

namespace rotor::sim {
namespace {

constexpr int kLockMinutes = 5;
constexpr int kRetries = 5;

Outcome dcs_error(int status, const std::string& code, const std::string& msg) {
  return service_error(Service::kDcs, status, code, msg);
}

// Reads the password fields; an Outcome when the body is unusable.
std::optional<Outcome> read_body(const CallContext& c, Json& body) {
  if (!parse_object(c.request.body, body)) {
    return dcs_error(400, "DCS.4849", "Invalid request body: a JSON object is required.");
  }
  for (const char* key : {"new_password", "old_password"}) {
    const Json* v = member(body, key);
    if (v && !v->is_string()) {
      return dcs_error(400, "DCS.4850", std::string("Invalid ") + key + ": must be a string.");
    }
  }
  return std::nullopt;
}

std::optional<Outcome> check_rules(const std::string& version, const std::string& pw) {
  const password::Rules* rules = password::find_version(version);
  if (!rules) return dcs_error(500, "DCS.4069", "Unknown password rules.");
  if (auto broken = password::validate(*rules, pw)) {
    return dcs_error(400, "DCS.4019", "The password does not meet the requirements: " + *broken);
  }
  return std::nullopt;
}

// Sets the password on the real Redis first, so that the simulator never claims a password
// the nodes do not have (doc: a failed reset keeps the old one). `next` empty: password-free.
std::optional<Outcome> push_to_redis(const CallContext& c, const Secret& next) {
  const Instance& i = *c.instance;
  if (i.redis_port == 0) return std::nullopt;
  const bool has_password = !i.password_free && !i.password.empty();
  const std::string error =
      c.redis(i.redis_host, i.redis_port, has_password ? &i.password : nullptr, next);
  if (error.empty()) return std::nullopt;
  Outcome o = dcs_error(500, "DCS.4069",
                        "Failed to set the password on the instance's nodes; it is unchanged.");
  o.outcome += " (redis: " + error + ")";
  return o;
}

// The change call's 200 body: every field a string (doc 001 example).
Outcome change_answer(const std::string& result, int retries, int lock_time, int lock_left,
                      const std::string& message) {
  Json v = Json::object(true);
  v["lock_time"] = Json::string(std::to_string(lock_time));
  v["result"] = Json::string(result);
  v["lock_time_left"] = Json::string(std::to_string(lock_left));
  v["retry_times_left"] = Json::string(std::to_string(retries));
  v["message"] = Json::string(message);
  return json_outcome(200, v, result);
}

Outcome locked_change(const Instance& i, TimePoint now) {
  return change_answer("locked", 0, kLockMinutes, dcs_lock_minutes_left(i, now),
                       "The instance is locked after too many incorrect passwords.");
}

void clear_expired_lock(Instance& i, TimePoint now) {
  if (i.locked_until != TimePoint{} && !dcs_locked(i, now)) {
    i.locked_until = {};
    i.retry_times_left = kRetries;
  }
}

}  // namespace

Outcome dcs_reset(CallContext& c) {
  Instance& inst = *c.instance;
  const TimePoint now = c.clock.now();
  clear_expired_lock(inst, now);
  if (inst.reset_unsupported) {
    return dcs_error(400, "DCS.4839", "is not support reset instance password.");
  }
  if (dcs_locked(inst, now)) {
    // api-notes: code "3" is the reset call's "locked"; the lock fields, deprecated for a
    // successful reset, are the only place the remaining time can be told.
    Json v = Json::object(true);
    v["lock_time"] = Json::string(std::to_string(kLockMinutes));
    v["lock_time_left"] = Json::string(std::to_string(dcs_lock_minutes_left(inst, now)));
    v["retry_times_left"] = Json::string("0");
    v["code"] = Json::string("3");
    v["message"] = Json::string("locked");
    v["ext_message"] = Json::string("The instance is locked after too many incorrect passwords.");
    return json_outcome(200, v, "locked");
  }
  Json body;
  if (auto bad = read_body(c, body)) return *bad;
  bool password_free = false;
  if (const Json* npa = member(body, "no_password_access")) {
    if (!npa->is_boolean()) {
      return dcs_error(400, "DCS.4843", "Invalid no_password_access: must be true or false.");
    }
    password_free = npa->as_bool();
  }
  Secret next;
  if (!password_free) {
    const Json* pw = member(body, "new_password");
    // Doc 000: "When no_password_access is set to false or not specified, the request must
    // contain the password parameter."
    if (!pw) return dcs_error(400, "DCS.4849", "new_password is required.");
    if (auto bad = check_rules(inst.doc_version, pw->as_string())) return *bad;
    next = Secret(pw->as_string());
  }
  if (auto failed = push_to_redis(c, next)) return *failed;
  inst.password = next;
  inst.password_free = password_free;
  // A reset verifies no password; it also ends a run of wrong old passwords, since the
  // password they were guessing is gone.
  inst.retry_times_left = kRetries;
  Json v = Json::object(true);
  v["lock_time"] = Json::string("0");
  v["lock_time_left"] = Json::string("0");
  v["retry_times_left"] = Json::string(std::to_string(kRetries));
  v["code"] = Json::string("1");
  v["message"] = Json::string("success");
  v["ext_message"] = Json::null();
  return json_outcome(200, v, "success");
}

Outcome dcs_change(CallContext& c) {
  Instance& inst = *c.instance;
  const TimePoint now = c.clock.now();
  clear_expired_lock(inst, now);
  // Doc 001 and api-notes: password outcomes, lockout included, are HTTP 200 with `result`.
  if (dcs_locked(inst, now)) return locked_change(inst, now);
  Json body;
  if (auto bad = read_body(c, body)) return *bad;
  const Json* old_pw = member(body, "old_password");
  const Json* new_pw = member(body, "new_password");
  if (!old_pw || !new_pw) {
    return dcs_error(400, "DCS.4849", "old_password and new_password are required.");
  }
  // Validation precedes the old-password check, so a malformed request spends no try.
  if (auto bad = check_rules(inst.change_doc_version, new_pw->as_string())) return *bad;
  if (inst.password_free) {
    return change_answer("failed", inst.retry_times_left, 0, 0,
                         "The instance is password-free; set a password with the reset call.");
  }
  if (inst.password.empty() || !constant_time_equal(old_pw->as_string(), inst.password.reveal())) {
    if (--inst.retry_times_left <= 0) {
      inst.retry_times_left = 0;
      inst.locked_until = now + std::chrono::minutes(kLockMinutes);
      return locked_change(inst, now);
    }
    return change_answer("passwordFailed", inst.retry_times_left, 0, 0,
                         "The old password is incorrect.");
  }
  if (old_pw->as_string() == new_pw->as_string()) {
    return change_answer("failed", inst.retry_times_left, 0, 0,
                         "The new password must be different from the old one.");
  }
  Secret next(new_pw->as_string());
  if (auto failed = push_to_redis(c, next)) return *failed;
  inst.password = std::move(next);
  inst.retry_times_left = kRetries;
  return change_answer("success", kRetries, 0, 0, "Modify DCSInstance password success.");
}

Outcome dcs_show(CallContext& c) {
  const Instance& i = *c.instance;
  Busy busy = i.faults.busy != Busy::kNone ? i.faults.busy : c.state.faults.busy;
  // A busy instance shows why in its status, the way a client polling before a retry sees it.
  const char* status = busy == Busy::kNotRunning   ? "RESTARTING"
                       : busy == Busy::kJobRunning ? "EXTENDING"
                                                   : "RUNNING";
  const bool real = i.redis_port != 0;
  Json v = Json::object(true);
  v["instance_id"] = Json::string(i.id);
  v["name"] = Json::string(i.name);
  v["engine"] = Json::string("Redis");
  v["engine_version"] = Json::string(i.engine_version);
  v["status"] = Json::string(status);
  v["ip"] = Json::string(real ? i.redis_host : "192.168.0.10");
  v["port"] = Json::number(real ? i.redis_port : 6379);
  v["domain_name"] = Json::string(i.id + ".dcs.example.invalid");
  v["no_password_access"] = Json::string(i.password_free ? "true" : "false");  // a string
  v["access_user"] = Json::string("");
  v["capacity"] = Json::number(1);
  v["max_memory"] = Json::number(1024);
  v["used_memory"] = Json::number(2);
  v["spec_code"] = Json::string("redis.ha.xu1.large.r2.1");
  v["cache_mode"] = Json::string("ha");
  v["charging_mode"] = Json::number(0);
  v["enable_ssl"] = Json::boolean(false);
  v["created_at"] = Json::string(format_rfc3339(i.created_at));
  v["description"] = Json::string("rotor-cloudsim");
  v["enterprise_project_id"] = Json::string("0");
  return json_outcome(200, v, status);
}

}  // namespace rotor::sim
