#include "rotation/record.hpp"

#include "util/crypto.hpp"
#include "util/json.hpp"

namespace rotor::rotation {
namespace {

template <typename E, std::size_t N>
std::optional<E> enum_from(const std::string& text, const E (&values)[N]) {
  for (E v : values) {
    if (text == to_string(v)) return v;
  }
  return std::nullopt;
}

constexpr Phase kPhases[] = {Phase::kIdle, Phase::kPrepared, Phase::kHeld, Phase::kUnconfirmed,
                             Phase::kApplied};
constexpr Call kCalls[] = {Call::kReset, Call::kResetPasswordFree, Call::kChange};
constexpr Service kServices[] = {Service::kDcs, Service::kDdm, Service::kKafka, Service::kRabbitMq};

void put_time(Json& o, const char* key, const std::optional<TimePoint>& t) {
  if (t) o[key] = Json::string(format_rfc3339(*t));
}

std::optional<TimePoint> get_time(const Json& o, const char* key) {
  const auto s = json_string(o, key);
  TimePoint t;
  if (s && parse_rfc3339(*s, t)) return t;
  return std::nullopt;
}

std::string get_str(const Json& o, const char* key) {
  return json_string(o, key).value_or("");
}

}  // namespace

std::string Target::identity() const {
  std::string id = std::string(to_string(service)) + "/" + project_id + "/" + instance_id;
  if (!username.empty()) id += "/" + username;
  return id;
}

void RotationRecord::clear_flight() {
  phase = Phase::kIdle;
  pending.reset();
  call = Call::kReset;
  old_fp.clear();
  base_fp.clear();
  lost_change.clear();
  change_sends.clear();
  late_olds.clear();
  sends = 0;
  pending_since.reset();
  assumed_applied = false;
}

std::string to_json(const RotationRecord& r) {
  Json o = Json::object();
  o["version"] = Json::number(1);
  o["seq"] = Json::number(static_cast<double>(r.seq));
  o["phase"] = Json::string(to_string(r.phase));
  Json t = Json::object();
  t["service"] = Json::string(to_string(r.target.service));
  t["projectId"] = Json::string(r.target.project_id);
  t["instanceId"] = Json::string(r.target.instance_id);
  t["username"] = Json::string(r.target.username);
  o["target"] = t;
  if (r.pending) o["pending"] = Json::string(r.pending->reveal());
  o["call"] = Json::string(to_string(r.call));
  o["oldFingerprint"] = Json::string(r.old_fp);
  o["baseFingerprint"] = Json::string(r.base_fp);
  o["lostChange"] = Json::string(r.lost_change);
  Json sends = Json::object();
  for (const auto& [k, n] : r.change_sends) sends[k] = Json::number(n);
  o["changeSends"] = sends;
  Json late = Json::array();
  std::size_t i = 0;
  for (const auto& fp : r.late_olds) late[i++] = Json::string(fp);
  o["lateOlds"] = late;
  o["sends"] = Json::number(r.sends);
  put_time(o, "pendingSince", r.pending_since);
  o["lastAnswer"] = Json::string(r.last_answer);
  o["assumedApplied"] = Json::boolean(r.assumed_applied);
  o["verifiedFingerprint"] = Json::string(r.verified_fp);
  o["blockedOn"] = Json::string(r.blocked_on);
  o["blockedReason"] = Json::string(r.blocked_reason);
  put_time(o, "lockedUntil", r.locked_until);
  if (r.wrong_left) o["wrongAttemptsLeft"] = Json::number(*r.wrong_left);
  if (r.last_attempt_ack) o["lastAttemptAck"] = Json::string(*r.last_attempt_ack);
  o["resetUnsupported"] = Json::boolean(r.reset_unsupported);
  put_time(o, "lastRotation", r.last_rotation);
  o["handledRotateNow"] = Json::string(r.handled_rotate_now);
  o["rotations"] = Json::number(static_cast<double>(r.rotations));
  return to_json_string(o);
}

std::optional<RotationRecord> from_json(std::string_view text, std::string& error) {
  const auto parsed = parse_json(std::string(text));
  if (!parsed || !parsed->is_object()) {
    error = "the rotation record is not a JSON object";
    return std::nullopt;
  }
  const Json& o = *parsed;
  if (json_integer(o, "version").value_or(0) != 1) {
    error = "the rotation record has an unknown version";
    return std::nullopt;
  }
  RotationRecord r;
  r.seq = static_cast<std::uint64_t>(json_integer(o, "seq").value_or(0));
  const auto phase = enum_from(get_str(o, "phase"), kPhases);
  const auto call = enum_from(get_str(o, "call"), kCalls);
  if (!phase || !call) {
    error = "the rotation record has an unknown phase or call";
    return std::nullopt;
  }
  r.phase = *phase;
  r.call = *call;
  if (o.has_field("target") && o.at("target").is_object()) {
    const Json& t = o.at("target");
    const auto service = enum_from(get_str(t, "service"), kServices);
    if (!service) {
      error = "the rotation record has an unknown service";
      return std::nullopt;
    }
    r.target = {*service, get_str(t, "projectId"), get_str(t, "instanceId"),
                get_str(t, "username")};
  }
  if (o.has_field("pending") && o.at("pending").is_string())
    r.pending = Secret(o.at("pending").as_string());
  if (r.phase != Phase::kIdle && !r.pending && r.call != Call::kResetPasswordFree) {
    error = "the rotation record is in flight but holds no pending password";
    return std::nullopt;
  }
  r.old_fp = get_str(o, "oldFingerprint");
  r.base_fp = get_str(o, "baseFingerprint");
  r.lost_change = get_str(o, "lostChange");
  if (o.has_field("changeSends") && o.at("changeSends").is_object()) {
    for (const auto& [k, v] : o.at("changeSends").as_object()) {
      if (v.is_integer()) r.change_sends[k] = v.as_integer();
    }
  }
  if (o.has_field("lateOlds") && o.at("lateOlds").is_array()) {
    for (const auto& v : o.at("lateOlds").as_array()) {
      if (v.is_string()) r.late_olds.insert(v.as_string());
    }
  }
  r.sends = static_cast<int>(json_integer(o, "sends").value_or(0));
  r.pending_since = get_time(o, "pendingSince");
  r.last_answer = get_str(o, "lastAnswer");
  r.assumed_applied = get_str(o, "assumedApplied") == "true";
  r.verified_fp = get_str(o, "verifiedFingerprint");
  r.blocked_on = get_str(o, "blockedOn");
  r.blocked_reason = get_str(o, "blockedReason");
  r.locked_until = get_time(o, "lockedUntil");
  if (auto left = json_integer(o, "wrongAttemptsLeft")) r.wrong_left = static_cast<int>(*left);
  r.last_attempt_ack = json_string(o, "lastAttemptAck");
  r.reset_unsupported = get_str(o, "resetUnsupported") == "true";
  r.last_rotation = get_time(o, "lastRotation");
  r.handled_rotate_now = get_str(o, "handledRotateNow");
  r.rotations = json_integer(o, "rotations").value_or(0);
  return r;
}

std::string fingerprint(const Target& t, const Secret& password) {
  return sha256_hex(t.identity() + "\n" + password.reveal()).substr(0, 24);
}

const char* to_string(Phase p) {
  switch (p) {
    case Phase::kIdle:
      return "Idle";
    case Phase::kPrepared:
      return "Prepared";
    case Phase::kHeld:
      return "Held";
    case Phase::kUnconfirmed:
      return "Unconfirmed";
    case Phase::kApplied:
      return "Applied";
  }
  return "Idle";
}

const char* to_string(Call c) {
  switch (c) {
    case Call::kReset:
      return "reset";
    case Call::kResetPasswordFree:
      return "reset-password-free";
    case Call::kChange:
      return "change";
  }
  return "reset";
}

const char* to_string(Service s) {
  switch (s) {
    case Service::kDcs:
      return "dcs";
    case Service::kDdm:
      return "ddm";
    case Service::kKafka:
      return "kafka";
    case Service::kRabbitMq:
      return "rabbitmq";
  }
  return "dcs";
}

}  // namespace rotor::rotation
