// FakeApi: the store and the write paths. Watches are in fake_watch.cpp.
#include "testing/fake_api.hpp"

#include <cstdio>

#include "util/base64.hpp"

namespace rotor::kube {
namespace {

std::shared_ptr<const Clock> or_system(std::shared_ptr<const Clock> clock) {
  return clock ? std::move(clock) : std::make_shared<const SystemClock>();
}

// Custom resources with a status subresource count spec changes in metadata.generation;
// that is what a controller's status.observedGeneration is compared with.
bool tracks_generation(const ResourceRef& r) {
  return r.status_subresource && !r.group.empty();
}

// What metadata.generation follows: everything but metadata and status.
Json spec_part(const Json& obj) {
  Json out = obj;
  erase_field(out, "metadata");
  erase_field(out, "status");
  return out;
}

void fill_type(const ResourceRef& r, Object& obj) {
  if (get_string(obj, {"apiVersion"}).empty()) obj["apiVersion"] = Json::string(r.api_version());
  if (get_string(obj, {"kind"}).empty()) obj["kind"] = Json::string(r.kind);
}

// As the API server does: stringData is write-only sugar, merged into data as base64.
void normalize_secret(const ResourceRef& r, Object& obj) {
  if (r.id() != "secrets" || !obj.has_field("stringData")) return;
  const Json string_data = obj.at("stringData");
  erase_field(obj, "stringData");
  if (!string_data.is_object()) return;
  Json& data = obj["data"];
  if (!data.is_object()) data = Json::object();
  for (const auto& [key, value] : string_data.as_object()) {
    if (!value.is_string()) continue;
    const std::string& text = value.as_string();
    data[key] = Json::string(base64_encode(text));
  }
}

std::string describe(const ResourceRef& r, const std::string& name) {
  return r.id() + " \"" + name + "\"";
}

Error not_found(const ResourceRef& r, const std::string& name) {
  return FakeApi::make_error(ErrorKind::kNotFound, describe(r, name) + " not found");
}

Error conflict(const ResourceRef& r, const std::string& name) {
  return FakeApi::make_error(ErrorKind::kConflict,
                             "Operation cannot be fulfilled on " + describe(r, name) +
                                 ": the object has been modified; please apply your changes to "
                                 "the latest version and try again");
}

}  // namespace

FakeApi::FakeApi(std::shared_ptr<const Clock> clock) : clock_(or_system(std::move(clock))) {}

FakeApi::~FakeApi() {
  // A test that forgot to stop a watch thread gets it ended here rather than a watch
  // touching a destroyed mutex.
  std::unique_lock lock(mu_);
  for (Watcher* w : watchers_) w->closed = true;
  cv_.notify_all();
  cv_.wait(lock, [this] { return watchers_.empty(); });
}

Result<Object> FakeApi::get(const ResourceRef& r, const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  if (auto e = begin_call(Verb::kGet, r, ns, name)) return *e;
  auto& objects = store(r);
  auto it = objects.find({r.namespaced ? ns : "", name});
  if (it == objects.end()) return not_found(r, name);
  return it->second;
}

Result<ObjectList> FakeApi::list(const ResourceRef& r, const std::string& ns,
                                 const ListOptions& options) {
  std::lock_guard lock(mu_);
  if (auto e = begin_call(Verb::kList, r, ns, "")) return *e;
  std::string why;
  auto labels = Selector::parse_labels(options.label_selector, &why);
  auto fields = labels ? Selector::parse_fields(options.field_selector, &why) : std::nullopt;
  if (!labels || !fields) return make_error(ErrorKind::kBadRequest, why);
  ObjectList out;
  out.resource_version = std::to_string(rv_);
  for (const auto& [key, obj] : store(r)) {
    if (r.namespaced && !ns.empty() && key.first != ns) continue;
    // The continue token is the last key returned, "namespace/name".
    if (!options.continue_token.empty() && key.first + "/" + key.second <= options.continue_token) {
      continue;
    }
    if (!labels->matches(obj) || !fields->matches(obj)) continue;
    if (options.limit > 0 && static_cast<int>(out.items.size()) == options.limit) {
      const Json& last = out.items.back();
      out.continue_token = namespace_of(last) + "/" + name_of(last);
      break;
    }
    out.items.push_back(obj);
  }
  return out;
}

Result<Object> FakeApi::create(const ResourceRef& r, const std::string& ns, const Object& obj) {
  std::lock_guard lock(mu_);
  if (auto e = begin_call(Verb::kCreate, r, ns, name_of(obj))) return *e;
  return create_locked(r, ns, obj);
}

Result<Object> FakeApi::create_locked(const ResourceRef& r, const std::string& ns, Object obj) {
  if (!obj.is_object()) return make_error(ErrorKind::kBadRequest, "object is not a JSON object");
  fill_type(r, obj);
  Json& meta = ensure_object(obj, {"metadata"});
  if (name_of(obj).empty() && !get_string(obj, {"metadata", "generateName"}).empty()) {
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "%05llx",
                  static_cast<unsigned long long>((++uid_counter_ * 2654435761u) & 0xFFFFF));
    meta["name"] = Json::string(get_string(obj, {"metadata", "generateName"}) + suffix);
  }
  const std::string name = name_of(obj);
  if (name.empty()) {
    return make_error(ErrorKind::kInvalid,
                      "metadata.name: Required value: name or generateName "
                      "is required");
  }
  std::string effective_ns;
  if (r.namespaced) {
    const std::string in_object = namespace_of(obj);
    effective_ns = ns.empty() ? in_object : ns;
    if (effective_ns.empty()) return make_error(ErrorKind::kBadRequest, "namespace required");
    if (!in_object.empty() && in_object != effective_ns) {
      return make_error(ErrorKind::kBadRequest,
                        "the namespace of the provided object does not "
                        "match the namespace sent on the request");
    }
    meta["namespace"] = Json::string(effective_ns);
  } else {
    erase_field(meta, "namespace");
  }
  if (!resource_version_of(obj).empty()) {
    return make_error(ErrorKind::kBadRequest,
                      "resourceVersion should not be set on objects to be created");
  }
  const Key key{effective_ns, name};
  if (store(r).contains(key)) {
    return make_error(ErrorKind::kAlreadyExists, describe(r, name) + " already exists");
  }
  char uid[40];
  std::snprintf(uid, sizeof uid, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(++uid_counter_));
  meta["uid"] = Json::string(uid);
  meta["creationTimestamp"] = Json::string(format_rfc3339(clock_->now()));
  erase_field(meta, "deletionTimestamp");
  if (tracks_generation(r)) meta["generation"] = Json::number(std::int64_t{1});
  if (r.status_subresource) erase_field(obj, "status");
  normalize_secret(r, obj);
  return commit(r, key, std::nullopt, std::move(obj), false);
}

Result<Object> FakeApi::replace(const ResourceRef& r, const std::string& ns, const Object& obj) {
  std::lock_guard lock(mu_);
  if (auto e = begin_call(Verb::kReplace, r, ns, name_of(obj))) return *e;
  return update_locked(r, {r.namespaced ? ns : "", name_of(obj)}, obj, false, true);
}

Result<Object> FakeApi::replace_status(const ResourceRef& r, const std::string& ns,
                                       const Object& obj) {
  std::lock_guard lock(mu_);
  if (auto e = begin_call(Verb::kReplaceStatus, r, ns, name_of(obj))) return *e;
  if (!r.status_subresource) return not_found(r, name_of(obj) + "/status");
  return update_locked(r, {r.namespaced ? ns : "", name_of(obj)}, obj, true, true);
}

Result<Object> FakeApi::update_locked(const ResourceRef& r, const Key& key, Object wanted,
                                      bool status_only, bool check_rv) {
  auto it = store(r).find(key);
  if (it == store(r).end()) return not_found(r, key.second);
  const Object old = it->second;
  if (!wanted.is_object()) return make_error(ErrorKind::kBadRequest, "object is not an object");
  const std::string rv = resource_version_of(wanted);
  if (check_rv && rv.empty() && tracks_generation(r) && !status_only) {
    return make_error(ErrorKind::kInvalid,
                      "metadata.resourceVersion: Invalid value: 0x0: must "
                      "be specified for an update");
  }
  if (check_rv && !rv.empty() && rv != resource_version_of(old)) return conflict(r, key.second);

  Object next;
  if (status_only) {
    next = old;
    if (wanted.has_field("status")) {
      next["status"] = wanted.at("status");
    } else {
      erase_field(next, "status");
    }
  } else {
    next = std::move(wanted);
    fill_type(r, next);
    // The server owns identity and lifecycle fields; a client cannot change them by update.
    Json& meta = ensure_object(next, {"metadata"});
    const Json& old_meta = old.at("metadata");
    for (const char* field :
         {"uid", "creationTimestamp", "name", "namespace", "deletionTimestamp", "generation"}) {
      if (old_meta.has_field(field)) {
        meta[field] = old_meta.at(field);
      } else {
        erase_field(meta, field);
      }
    }
    if (r.status_subresource) {
      if (old.has_field("status")) {
        next["status"] = old.at("status");
      } else {
        erase_field(next, "status");
      }
    }
    normalize_secret(r, next);
    if (tracks_generation(r) && spec_part(next) != spec_part(old)) {
      meta["generation"] = Json::number(get_int(old, {"metadata", "generation"}) + 1);
    }
  }
  ensure_object(next, {"metadata"})["resourceVersion"] = old.at("metadata").at("resourceVersion");
  if (next == old) return old;  // a no-op write: no new resourceVersion, no event

  const Json* finalizers = find(next, {"metadata", "finalizers"});
  const bool no_finalizers =
      finalizers == nullptr || !finalizers->is_array() || finalizers->as_array().size() == 0;
  const bool finished = find(next, {"metadata", "deletionTimestamp"}) != nullptr && no_finalizers;
  return commit(r, key, old, std::move(next), finished);
}

Result<Object> FakeApi::patch(const ResourceRef& r, const std::string& ns, const std::string& name,
                              PatchType type, const Json& patch, const PatchOptions&) {
  std::lock_guard lock(mu_);
  if (auto e = begin_call(Verb::kPatch, r, ns, name)) return *e;
  return patch_locked(r, ns, name, type, patch, false);
}

Result<Object> FakeApi::patch_status(const ResourceRef& r, const std::string& ns,
                                     const std::string& name, PatchType type, const Json& patch,
                                     const PatchOptions&) {
  std::lock_guard lock(mu_);
  if (auto e = begin_call(Verb::kPatchStatus, r, ns, name)) return *e;
  if (!r.status_subresource) return not_found(r, name + "/status");
  return patch_locked(r, ns, name, type, patch, true);
}

Result<Object> FakeApi::patch_locked(const ResourceRef& r, const std::string& ns,
                                     const std::string& name, PatchType type, const Json& patch,
                                     bool status_only) {
  const Key key{r.namespaced ? ns : "", name};
  auto it = store(r).find(key);
  if (it == store(r).end()) {
    if (type != PatchType::kApply || status_only) return not_found(r, name);
    Object obj = patch;
    ensure_object(obj, {"metadata"})["name"] = Json::string(name);
    return create_locked(r, ns, std::move(obj));
  }
  const Object& old = it->second;
  Object patched;
  if (type == PatchType::kJson) {
    patched = old;
    std::string why;
    if (!apply_json_patch(patched, patch, why)) return make_error(ErrorKind::kInvalid, why);
  } else {
    if (!patch.is_object()) return make_error(ErrorKind::kBadRequest, "patch is not an object");
    patched = merge_patch(old, patch);
  }
  // A resourceVersion the patch sets is a precondition, as on the real server.
  if (resource_version_of(patched).empty()) {
    ensure_object(patched, {"metadata"})["resourceVersion"] =
        Json::string(resource_version_of(old));
  }
  return update_locked(r, key, std::move(patched), status_only, true);
}

Result<void> FakeApi::remove(const ResourceRef& r, const std::string& ns, const std::string& name,
                             const DeleteOptions& options) {
  std::lock_guard lock(mu_);
  if (auto e = begin_call(Verb::kRemove, r, ns, name)) return *e;
  const Key key{r.namespaced ? ns : "", name};
  auto it = store(r).find(key);
  if (it == store(r).end()) return not_found(r, name);
  const Object old = it->second;
  const std::string uid = get_string(old, {"metadata", "uid"});
  if (!options.uid.empty() && options.uid != uid) {
    return make_error(ErrorKind::kConflict, "Precondition failed: UID in precondition: " +
                                                options.uid + ", UID in object meta: " + uid);
  }
  if (!options.resource_version.empty() && options.resource_version != resource_version_of(old)) {
    return make_error(
        ErrorKind::kConflict,
        "Precondition failed: ResourceVersion in precondition: " + options.resource_version +
            ", ResourceVersion in object meta: " + resource_version_of(old));
  }
  const Json* finalizers = find(old, {"metadata", "finalizers"});
  if (finalizers != nullptr && finalizers->is_array() && finalizers->as_array().size() > 0) {
    // Deletion waits for the finalizers' owners; it starts once.
    if (find(old, {"metadata", "deletionTimestamp"}) != nullptr) return {};
    Object next = old;
    Json& meta = ensure_object(next, {"metadata"});
    meta["deletionTimestamp"] = Json::string(format_rfc3339(clock_->now()));
    if (meta.has_field("generation")) {
      meta["generation"] = Json::number(get_int(old, {"metadata", "generation"}) + 1);
    }
    commit(r, key, old, std::move(next), false);
    return {};
  }
  commit(r, key, old, old, true);
  return {};
}

}  // namespace rotor::kube
