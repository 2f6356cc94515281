#include "controller/resource.hpp"

#include "kube/json.hpp"

namespace rotor::controller {
namespace {

using kube::find;
using kube::get_int;
using kube::get_string;

std::optional<TimePoint> time_field(const kube::Json& obj,
                                    std::initializer_list<std::string_view> path) {
  TimePoint t;
  const std::string s = get_string(obj, path);
  if (!s.empty() && parse_rfc3339(s, t)) return t;
  return std::nullopt;
}

bool bool_field(const kube::Json& obj, std::initializer_list<std::string_view> path) {
  const kube::Json* v = find(obj, path);
  return v != nullptr && v->is_boolean() && v->as_bool();
}

}  // namespace

const kube::ResourceRef& resource_ref(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kDcsInstance:
      return kube::resources::kDcsInstances;
    case ResourceKind::kDdmAccount:
      return kube::resources::kDdmAccounts;
    case ResourceKind::kDmsInstance:
      return kube::resources::kDmsInstances;
  }
  return kube::resources::kDcsInstances;
}

const char* kind_name(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kDcsInstance:
      return "DcsInstance";
    case ResourceKind::kDdmAccount:
      return "DdmAccount";
    case ResourceKind::kDmsInstance:
      return "DmsInstance";
  }
  return "DcsInstance";
}

password::Call RotatedResource::policy_call() const {
  switch (kind) {
    case ResourceKind::kDdmAccount:
      return password::Call::kDdmReset;
    case ResourceKind::kDmsInstance:
      return password::Call::kDmsReset;
    case ResourceKind::kDcsInstance:
      // Auto may fall back to change; the reset intersection satisfies both calls.
      return method == DcsMethod::kChange ? password::Call::kDcsChange : password::Call::kDcsReset;
  }
  return password::Call::kDcsReset;
}

std::optional<RotatedResource> parse_rotated(ResourceKind kind, const kube::Object& obj,
                                             std::string& error) {
  RotatedResource r;
  r.kind = kind;
  r.ns = get_string(obj, {"metadata", "namespace"});
  r.name = get_string(obj, {"metadata", "name"});
  r.uid = get_string(obj, {"metadata", "uid"});
  r.generation = get_int(obj, {"metadata", "generation"});
  r.rotate_now = get_string(obj, {"metadata", "annotations", kRotateNowAnnotation});

  r.account_name = get_string(obj, {"spec", "cloudAccountRef", "name"});
  const std::string account_kind =
      get_string(obj, {"spec", "cloudAccountRef", "kind"}, "CloudAccount");
  if (r.account_name.empty()) {
    error = "spec.cloudAccountRef.name is required";
    return std::nullopt;
  }
  if (account_kind != "CloudAccount" && account_kind != "ClusterCloudAccount") {
    error = "spec.cloudAccountRef.kind must be CloudAccount or ClusterCloudAccount";
    return std::nullopt;
  }
  r.cluster_account = account_kind == "ClusterCloudAccount";
  r.instance.instance_id = get_string(obj, {"spec", "instanceId"});
  if (r.instance.instance_id.empty()) {
    error = "spec.instanceId is required";
    return std::nullopt;
  }
  if (kind == ResourceKind::kDdmAccount) {
    r.username = get_string(obj, {"spec", "username"});
    if (r.username.empty()) {
      error = "spec.username is required for a DdmAccount";
      return std::nullopt;
    }
  }
  if (kind == ResourceKind::kDmsInstance) {
    const std::string engine = get_string(obj, {"spec", "engine"}, "Kafka");
    if (engine != "Kafka" && engine != "RabbitMQ") {
      error = "spec.engine must be Kafka or RabbitMQ";
      return std::nullopt;
    }
    r.engine = engine == "Kafka" ? cloud::DmsEngine::kKafka : cloud::DmsEngine::kRabbitMq;
  }
  if (kind == ResourceKind::kDcsInstance) {
    const std::string method = get_string(obj, {"spec", "method"}, "Auto");
    if (method == "Auto")
      r.method = DcsMethod::kAuto;
    else if (method == "Reset")
      r.method = DcsMethod::kReset;
    else if (method == "Change")
      r.method = DcsMethod::kChange;
    else {
      error = "spec.method must be Auto, Reset or Change";
      return std::nullopt;
    }
    r.password_free = bool_field(obj, {"spec", "passwordFree"});
    if (r.password_free && r.method == DcsMethod::kChange) {
      error = "spec.passwordFree cannot be used with method Change";
      return std::nullopt;
    }
  }

  r.interval = get_string(obj, {"spec", "rotation", "interval"});
  r.cron = get_string(obj, {"spec", "rotation", "schedule"});
  r.time_zone = get_string(obj, {"spec", "rotation", "timeZone"});
  r.jitter = get_string(obj, {"spec", "rotation", "jitter"});
  r.suspend = bool_field(obj, {"spec", "rotation", "suspend"});
  const std::string first = get_string(obj, {"spec", "rotation", "firstRotation"}, "AfterInterval");
  if (first != "Immediate" && first != "AfterInterval") {
    error = "spec.rotation.firstRotation must be Immediate or AfterInterval";
    return std::nullopt;
  }
  r.first_rotation_immediate = first == "Immediate";

  if (const kube::Json* len = find(obj, {"spec", "password", "length"}); len && len->is_integer()) {
    const auto v = len->as_number().to_int64();
    if (v <= 0) {
      error = "spec.password.length must be positive";
      return std::nullopt;
    }
    r.password_options.length = static_cast<std::size_t>(v);
  }
  if (const kube::Json* sc = find(obj, {"spec", "password", "specialCharacters"});
      sc && sc->is_string()) {
    r.password_options.special_characters = sc->as_string();
  }
  r.password_options.username = r.username;

  r.secret_name = get_string(obj, {"spec", "secret", "name"});
  if (r.secret_name.empty()) {
    error = "spec.secret.name is required";
    return std::nullopt;
  }
  r.password_key = get_string(obj, {"spec", "secret", "passwordKey"}, "password");
  r.previous_key = get_string(obj, {"spec", "secret", "previousPasswordKey"}, "previous-password");
  if (r.password_key == r.previous_key || r.password_key == kLegacyPendingKey ||
      r.previous_key == kLegacyPendingKey) {
    error =
        "spec.secret.passwordKey and previousPasswordKey must differ from each other and from " +
        std::string(kLegacyPendingKey);
    return std::nullopt;
  }

  r.status.last_rotation = time_field(obj, {"status", "lastRotationTime"});
  r.status.locked_until = time_field(obj, {"status", "lockedUntil"});
  r.status.rotation_count = get_int(obj, {"status", "rotationCount"});
  r.status.last_rotate_now = get_string(obj, {"status", "lastRotateNowValue"});
  r.status.reset_unsupported = bool_field(obj, {"status", "resetUnsupported"});
  if (const kube::Json* c = find(obj, {"status", "conditions"}); c && c->is_array()) {
    r.status.conditions = *c;
  }
  return r;
}

}  // namespace rotor::controller
