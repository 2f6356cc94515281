#include "controller/secret_store.hpp"

#include <algorithm>
#include <cctype>

#include "access/secret_marks.hpp"
#include "kube/json.hpp"
#include "util/base64.hpp"
#include "util/crypto.hpp"

namespace rotor::controller {

using kube::Json;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::optional<Secret> data_value(const kube::Object& obj, const std::string& key) {
  const Json* v = kube::find(obj, {"data", key});
  if (v == nullptr || !v->is_string()) return std::nullopt;
  auto decoded = base64_decode(v->as_string());
  if (!decoded) return std::nullopt;
  return Secret(std::move(*decoded));
}

std::string owner_id(const RotatedResource& r) {
  return std::string(kind_name(r.kind)) + "/" + r.name;
}

Json written_by(const kube::Object& target) {
  const std::string text =
      kube::get_string(target, {"metadata", "annotations", kWrittenByAnnotation});
  auto parsed = kube::parse_json(text);
  return parsed && parsed->is_object() ? *parsed : Json::object();
}

}  // namespace

std::string record_secret_name(ResourceKind kind, const std::string& name) {
  std::string full = "rotor-record." + lower(kind_name(kind)) + "." + name;
  if (full.size() <= 253) return full;
  return full.substr(0, 200) + "." + sha256_hex(full).substr(0, 16);
}

std::optional<std::string> SecretStore::check_claims(const kube::Object& target) {
  const Json claims = written_by(target);
  const std::string me = owner_id(r_);
  for (const std::string& key : {r_.password_key, r_.previous_key}) {
    if (!claims.has_field(key) || !claims.at(key).is_string()) continue;
    const std::string other = claims.at(key).as_string();
    if (other == me) continue;
    // A claim of a resource that no longer exists is stale and taken over.
    const auto slash = other.find('/');
    bool alive = true;
    for (auto k :
         {ResourceKind::kDcsInstance, ResourceKind::kDdmAccount, ResourceKind::kDmsInstance}) {
      if (slash == std::string::npos || other.substr(0, slash) != kind_name(k)) continue;
      auto got = api_.get(resource_ref(k), r_.ns, other.substr(slash + 1));
      alive = !got.is(kube::ErrorKind::kNotFound);
    }
    if (alive) {
      return "key '" + key + "' of Secret " + r_.ns + "/" + r_.secret_name + " is written by " +
             other + "; one key cannot be written by two resources";
    }
  }
  return std::nullopt;
}

std::optional<std::string> SecretStore::load(rotation::Snapshot& out) {
  refusal_.reset();
  auto rec = api_.get(kube::resources::kSecrets, r_.ns, record_secret_name(r_.kind, r_.name));
  if (rec) {
    if (kube::get_string(*rec, {"type"}) != kRecordSecretType) {
      refusal_ = Refusal{"SecretNotManaged",
                         "Secret " + r_.ns + "/" + kube::name_of(*rec) +
                             " has the name of this resource's rotation record but is not one; "
                             "rotor does not overwrite it"};
      return refusal_->message;
    }
    record_obj_ = std::move(*rec);
    const auto text = data_value(*record_obj_, "record");
    std::string error = "no record key";
    std::optional<rotation::RotationRecord> parsed;
    if (text) parsed = rotation::from_json(text->reveal(), error);
    // A record that cannot be read may hold a password the cloud took: never overwrite it.
    if (!parsed)
      return "the rotation record Secret " + r_.ns + "/" + kube::name_of(*record_obj_) +
             " cannot be read (" + error + "); fix or delete it";
    out.record = std::move(*parsed);
  } else if (rec.is(kube::ErrorKind::kNotFound)) {
    record_obj_.reset();
  } else {
    return "cannot read the rotation record: " + rec.error().describe();
  }
  auto target = api_.get(kube::resources::kSecrets, r_.ns, r_.secret_name);
  if (target) {
    target_obj_ = std::move(*target);
    const Json claims = written_by(*target_obj_);
    const bool mine = claims.has_field(r_.password_key) && claims.at(r_.password_key).is_string() &&
                      claims.at(r_.password_key).as_string() == owner_id(r_);
    // rotor 0.1 left no label, but only rotor writes its pending key.
    const bool left_by_0_1 = kube::find(*target_obj_, {"data", kLegacyPendingKey}) != nullptr;
    if (auto why = access::target_refusal(*target_obj_, mine || left_by_0_1)) {
      refusal_ = Refusal{"SecretNotManaged", *why};
      return *why;
    }
    if (auto conflict = check_claims(*target_obj_)) {
      refusal_ = Refusal{"SecretKeyConflict", *conflict};
      return *conflict;
    }
    auto v = data_value(*target_obj_, r_.password_key);
    if (v && (!v->empty() || r_.password_free)) out.current = std::move(*v);
    // rotor 0.1 kept the pending password in the target; it may be in force in the cloud.
    if (!out.record) {
      if (auto legacy = data_value(*target_obj_, kLegacyPendingKey)) {
        rotation::RotationRecord migrated;
        migrated.phase = rotation::Phase::kPrepared;
        migrated.pending = std::move(*legacy);
        migrated.call =
            r_.method == DcsMethod::kChange ? rotation::Call::kChange : rotation::Call::kReset;
        out.record = std::move(migrated);
        migrated_legacy_ = true;
      }
    }
  } else if (target.is(kube::ErrorKind::kNotFound)) {
    target_obj_.reset();
  } else {
    return "cannot read Secret " + r_.ns + "/" + r_.secret_name + ": " + target.error().describe();
  }
  return std::nullopt;
}

std::optional<std::string> SecretStore::confirm_target_fresh() {
  if (target_confirmed_) return std::nullopt;
  auto now = api_.get_fresh(kube::resources::kSecrets, r_.ns, r_.secret_name);
  if (!now && !now.is(kube::ErrorKind::kNotFound))
    return "cannot read Secret " + r_.ns + "/" + r_.secret_name + ": " + now.error().describe();
  const std::string held = now ? kube::resource_version_of(*now) : "";
  const std::string read = target_obj_ ? kube::resource_version_of(*target_obj_) : "";
  if (held != read) {
    return "Secret " + r_.ns + "/" + r_.secret_name +
           " changed after this pass read it; the next pass starts from what it holds now";
  }
  target_confirmed_ = true;
  return std::nullopt;
}

std::optional<std::string> SecretStore::save(const rotation::RotationRecord& record) {
  if (auto stale = confirm_target_fresh()) return stale;
  Json obj = record_obj_ ? *record_obj_ : Json::object();
  obj["apiVersion"] = Json::string("v1");
  obj["kind"] = Json::string("Secret");
  obj["type"] = Json::string(kRecordSecretType);
  Json& meta = kube::ensure_object(obj, {"metadata"});
  meta["name"] = Json::string(record_secret_name(r_.kind, r_.name));
  meta["namespace"] = Json::string(r_.ns);
  Json& labels = kube::ensure_object(obj, {"metadata", "labels"});
  labels[kManagedByLabel] = Json::string("rotor");
  const std::string of = lower(kind_name(r_.kind)) + "." + r_.name;
  if (of.size() <= 63) labels[kRecordLabel] = Json::string(of);
  kube::ensure_object(obj, {"metadata", "annotations"})[kRecordLabel] = Json::string(owner_id(r_));
  // Garbage-collected with its resource only while nothing is in flight (see header).
  if (!record.in_flight() && !r_.uid.empty()) {
    Json ref = Json::object();
    ref["apiVersion"] =
        Json::string(resource_ref(r_.kind).group + "/" + resource_ref(r_.kind).version);
    ref["kind"] = Json::string(kind_name(r_.kind));
    ref["name"] = Json::string(r_.name);
    ref["uid"] = Json::string(r_.uid);
    Json refs = Json::array();
    refs[0] = ref;
    meta["ownerReferences"] = refs;
  } else {
    kube::erase_field(meta, "ownerReferences");
  }
  std::string text = rotation::to_json(record);
  Json data = Json::object();
  data["record"] = Json::string(base64_encode(text));
  cleanse(text);
  obj["data"] = data;
  auto written = record_obj_ ? api_.replace(kube::resources::kSecrets, r_.ns, obj)
                             : api_.create(kube::resources::kSecrets, r_.ns, obj);
  if (!written) {
    // Someone deleted it: create it again; anything else is for the next pass.
    if (record_obj_ && written.is(kube::ErrorKind::kNotFound)) {
      record_obj_.reset();
      kube::erase_field(kube::ensure_object(obj, {"metadata"}), "resourceVersion");
      written = api_.create(kube::resources::kSecrets, r_.ns, obj);
    }
    if (!written) return "cannot write the rotation record: " + written.error().describe();
  }
  record_obj_ = std::move(*written);
  return std::nullopt;
}

Json SecretStore::target_base() const {
  if (target_obj_) return *target_obj_;
  Json obj = Json::object();
  obj["apiVersion"] = Json::string("v1");
  obj["kind"] = Json::string("Secret");
  obj["type"] = Json::string("Opaque");
  Json& meta = kube::ensure_object(obj, {"metadata"});
  meta["name"] = Json::string(r_.secret_name);
  meta["namespace"] = Json::string(r_.ns);
  return obj;
}

std::optional<std::string> SecretStore::write_target(const rotation::RotationRecord& record) {
  const Secret next = record.pending.value_or(Secret());
  if (target_obj_) {  // already written (a commit that finished before a crash): no write
    const auto have = data_value(*target_obj_, r_.password_key);
    const Json claims = written_by(*target_obj_);
    if (have && *have == next && claims.has_field(r_.password_key) &&
        claims.at(r_.password_key).is_string() &&
        claims.at(r_.password_key).as_string() == owner_id(r_) &&
        !kube::find(*target_obj_, {"data", kLegacyPendingKey}))
      return std::nullopt;
  }
  Json obj = target_base();
  // Created by rotor (or written by it): labelled so that rotor watches it. No owner: the
  // password must outlive the resource.
  kube::ensure_object(obj, {"metadata", "labels"})[kManagedByLabel] = Json::string("rotor");
  Json claims = written_by(obj);
  claims[r_.password_key] = Json::string(owner_id(r_));
  claims[r_.previous_key] = Json::string(owner_id(r_));
  kube::ensure_object(obj, {"metadata", "annotations"})[kWrittenByAnnotation] =
      Json::string(kube::dump(claims));
  Json& data = kube::ensure_object(obj, {"data"});
  if (auto old = target_obj_ ? data_value(*target_obj_, r_.password_key) : std::nullopt;
      old && !old->empty() && !(*old == next)) {
    data[r_.previous_key] = Json::string(base64_encode(old->reveal()));
  }
  data[r_.password_key] = Json::string(base64_encode(next.reveal()));
  kube::erase_field(data, kLegacyPendingKey);
  auto written = target_obj_ ? api_.replace(kube::resources::kSecrets, r_.ns, obj)
                             : api_.create(kube::resources::kSecrets, r_.ns, obj);
  if (written) {
    target_obj_ = std::move(*written);
    target_confirmed_ = true;  // the server's version, as of this write
    return std::nullopt;
  }
  if (written.is(kube::ErrorKind::kNotFound) || written.is(kube::ErrorKind::kConflict) ||
      written.is(kube::ErrorKind::kAlreadyExists)) {
    // Changed or deleted meanwhile: read it again and let the caller retry.
    auto again = api_.get(kube::resources::kSecrets, r_.ns, r_.secret_name);
    if (again) {
      target_obj_ = std::move(*again);
    } else if (again.is(kube::ErrorKind::kNotFound)) {
      target_obj_.reset();
    }
  }
  return written.error().describe();
}

std::optional<std::string> SecretStore::commit(const rotation::RotationRecord& record) {
  std::optional<std::string> err;
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (!(err = write_target(record))) return std::nullopt;
  }
  return "cannot write Secret " + r_.ns + "/" + r_.secret_name + ": " + *err;
}

}  // namespace rotor::controller
