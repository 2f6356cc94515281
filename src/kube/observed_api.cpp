#include "kube/observed_api.hpp"

namespace rotor::kube {

void ObservedApi::report(const char* verb, const ResourceRef& r, bool status, bool ok,
                         const Error& error, int success_code) const {
  if (!observer_) return;
  const std::string resource = status ? r.plural + "/status" : r.plural;
  const int code = ok ? success_code : error.http_status;
  observer_(verb, resource, code == 0 ? std::string("<error>") : std::to_string(code));
}

Result<Object> ObservedApi::get(const ResourceRef& r, const std::string& ns,
                                const std::string& name) {
  auto result = inner_.get(r, ns, name);
  report("get", r, false, result.ok(), result.error());
  return result;
}

Result<Object> ObservedApi::get_fresh(const ResourceRef& r, const std::string& ns,
                                      const std::string& name) {
  auto result = inner_.get_fresh(r, ns, name);
  report("get", r, false, result.ok(), result.error());
  return result;
}

Result<ObjectList> ObservedApi::list(const ResourceRef& r, const std::string& ns,
                                     const ListOptions& options) {
  auto result = inner_.list(r, ns, options);
  report("list", r, false, result.ok(), result.error());
  return result;
}

Result<Object> ObservedApi::create(const ResourceRef& r, const std::string& ns, const Object& obj) {
  auto result = inner_.create(r, ns, obj);
  report("create", r, false, result.ok(), result.error(), 201);
  return result;
}

Result<Object> ObservedApi::replace(const ResourceRef& r, const std::string& ns,
                                    const Object& obj) {
  auto result = inner_.replace(r, ns, obj);
  report("update", r, false, result.ok(), result.error());
  return result;
}

Result<Object> ObservedApi::replace_status(const ResourceRef& r, const std::string& ns,
                                           const Object& obj) {
  auto result = inner_.replace_status(r, ns, obj);
  report("update", r, true, result.ok(), result.error());
  return result;
}

Result<Object> ObservedApi::patch(const ResourceRef& r, const std::string& ns,
                                  const std::string& name, PatchType type, const Json& patch,
                                  const PatchOptions& options) {
  auto result = inner_.patch(r, ns, name, type, patch, options);
  report("patch", r, false, result.ok(), result.error());
  return result;
}

Result<Object> ObservedApi::patch_status(const ResourceRef& r, const std::string& ns,
                                         const std::string& name, PatchType type, const Json& patch,
                                         const PatchOptions& options) {
  auto result = inner_.patch_status(r, ns, name, type, patch, options);
  report("patch", r, true, result.ok(), result.error());
  return result;
}

Result<void> ObservedApi::remove(const ResourceRef& r, const std::string& ns,
                                 const std::string& name, const DeleteOptions& options) {
  auto result = inner_.remove(r, ns, name, options);
  report("delete", r, false, result.ok(), result.error());
  return result;
}

WatchResult ObservedApi::watch(const ResourceRef& r, const std::string& ns,
                               const WatchOptions& options, const WatchHandler& on_event,
                               std::stop_token stop) {
  WatchResult result = inner_.watch(r, ns, options, on_event, std::move(stop));
  // A watch the server closed or we stopped was a 200 stream; Gone and errors carry theirs.
  const bool ok = !result.error.has_value();
  report("watch", r, false, ok, ok ? Error{} : *result.error);
  return result;
}

}  // namespace rotor::kube
