#include "controller/target_secret.hpp"

#include "kube/json.hpp"
#include "util/base64.hpp"

namespace rotor::controller {

using kube::Json;

kube::Result<void> TargetSecret::load() {
  auto got = api_.get(kube::resources::kSecrets, r_.ns, r_.secret_name);
  if (got) {
    obj_ = std::move(*got);
    return {};
  }
  if (got.is(kube::ErrorKind::kNotFound)) {
    obj_.reset();
    return {};
  }
  return got.error();
}

std::string TargetSecret::resource_version() const {
  return obj_ ? kube::resource_version_of(*obj_) : std::string("none");
}

std::optional<Secret> TargetSecret::value(const std::string& key) const {
  if (!obj_) return std::nullopt;
  const Json* v = kube::find(*obj_, {"data", key});
  if (v == nullptr || !v->is_string()) return std::nullopt;
  auto decoded = base64_decode(v->as_string());
  if (!decoded) return std::nullopt;
  return Secret(std::move(*decoded));
}

std::optional<Secret> TargetSecret::current() const {
  auto v = value(r_.password_key);
  if (v && v->empty() && !r_.password_free) return std::nullopt;
  return v;
}

std::optional<Secret> TargetSecret::pending() const {
  return value(kPendingKey);
}

kube::Result<void> TargetSecret::write(Json obj) {
  auto written = obj_ ? api_.replace(kube::resources::kSecrets, r_.ns, obj)
                      : api_.create(kube::resources::kSecrets, r_.ns, obj);
  if (!written) return written.error();
  obj_ = std::move(*written);
  return {};
}

Json TargetSecret::base() const {
  if (obj_) return *obj_;
  Json obj = Json::object();
  obj["apiVersion"] = Json::string("v1");
  obj["kind"] = Json::string("Secret");
  obj["type"] = Json::string("Opaque");
  Json& meta = kube::ensure_object(obj, {"metadata"});
  meta["name"] = Json::string(r_.secret_name);
  meta["namespace"] = Json::string(r_.ns);
  // Created by rotor, but not owned by the resource: deleting the resource must not
  // delete the password the applications use.
  kube::ensure_object(obj, {"metadata", "labels"})[kManagedByLabel] = Json::string("rotor");
  return obj;
}

kube::Result<void> TargetSecret::put_pending(const Secret& pending) {
  Json obj = base();
  kube::ensure_object(obj, {"data"})[kPendingKey] = Json::string(base64_encode(pending.reveal()));
  return write(std::move(obj));
}

kube::Result<void> TargetSecret::commit(const Secret& next) {
  Json obj = base();
  Json& data = kube::ensure_object(obj, {"data"});
  if (auto old = current(); old && !(*old == next)) {
    data[r_.previous_key] = Json::string(base64_encode(old->reveal()));
  }
  data[r_.password_key] = Json::string(base64_encode(next.reveal()));
  kube::erase_field(data, kPendingKey);
  return write(std::move(obj));
}

kube::Result<void> TargetSecret::drop_pending() {
  if (!obj_ || !pending()) return {};
  Json obj = *obj_;
  kube::erase_field(kube::ensure_object(obj, {"data"}), kPendingKey);
  return write(std::move(obj));
}

}  // namespace rotor::controller
