#pragma once
// A kube::Api decorator for tests and the simulation: every call first asks `hook`, which may
// let it through (nullopt), fail it with an Error, or throw to play a crash; `after` runs once
// a write went through (a crash after the write but before the caller saw the answer).
#include <functional>

#include "kube/api.hpp"

namespace rotor::testing {

enum class ApiVerb {
  kGet,
  kList,
  kCreate,
  kReplace,
  kReplaceStatus,
  kPatch,
  kPatchStatus,
  kRemove,
  kWatch
};

class HookedApi final : public kube::Api {
 public:
  using Hook = std::function<std::optional<kube::Error>(ApiVerb, const kube::ResourceRef&,
                                                        const std::string& name)>;
  using After = std::function<void(ApiVerb, const kube::ResourceRef&, const std::string& name)>;

  explicit HookedApi(kube::Api& inner) : inner_(inner) {}
  Hook hook;
  After after;

  kube::Result<kube::Object> get(const kube::ResourceRef& r, const std::string& ns,
                                 const std::string& name) override {
    if (auto e = ask(ApiVerb::kGet, r, name)) return *e;
    return inner_.get(r, ns, name);
  }
  kube::Result<kube::ObjectList> list(const kube::ResourceRef& r, const std::string& ns,
                                      const kube::ListOptions& options = {}) override {
    if (auto e = ask(ApiVerb::kList, r, "")) return *e;
    return inner_.list(r, ns, options);
  }
  kube::Result<kube::Object> create(const kube::ResourceRef& r, const std::string& ns,
                                    const kube::Object& obj) override {
    return write(ApiVerb::kCreate, r, kube::name_of(obj),
                 [&] { return inner_.create(r, ns, obj); });
  }
  kube::Result<kube::Object> replace(const kube::ResourceRef& r, const std::string& ns,
                                     const kube::Object& obj) override {
    return write(ApiVerb::kReplace, r, kube::name_of(obj),
                 [&] { return inner_.replace(r, ns, obj); });
  }
  kube::Result<kube::Object> replace_status(const kube::ResourceRef& r, const std::string& ns,
                                            const kube::Object& obj) override {
    return write(ApiVerb::kReplaceStatus, r, kube::name_of(obj),
                 [&] { return inner_.replace_status(r, ns, obj); });
  }
  kube::Result<kube::Object> patch(const kube::ResourceRef& r, const std::string& ns,
                                   const std::string& name, kube::PatchType type,
                                   const kube::Json& p,
                                   const kube::PatchOptions& options = {}) override {
    return write(ApiVerb::kPatch, r, name,
                 [&] { return inner_.patch(r, ns, name, type, p, options); });
  }
  kube::Result<kube::Object> patch_status(const kube::ResourceRef& r, const std::string& ns,
                                          const std::string& name, kube::PatchType type,
                                          const kube::Json& p,
                                          const kube::PatchOptions& options = {}) override {
    return write(ApiVerb::kPatchStatus, r, name,
                 [&] { return inner_.patch_status(r, ns, name, type, p, options); });
  }
  kube::Result<void> remove(const kube::ResourceRef& r, const std::string& ns,
                            const std::string& name,
                            const kube::DeleteOptions& options = {}) override {
    if (auto e = ask(ApiVerb::kRemove, r, name)) return *e;
    auto done = inner_.remove(r, ns, name, options);
    if (done && after) after(ApiVerb::kRemove, r, name);
    return done;
  }
  kube::WatchResult watch(const kube::ResourceRef& r, const std::string& ns,
                          const kube::WatchOptions& options, const kube::WatchHandler& on_event,
                          std::stop_token stop = {}) override {
    return inner_.watch(r, ns, options, on_event, stop);
  }

 private:
  std::optional<kube::Error> ask(ApiVerb v, const kube::ResourceRef& r, const std::string& name) {
    return hook ? hook(v, r, name) : std::nullopt;
  }
  template <typename F>
  kube::Result<kube::Object> write(ApiVerb v, const kube::ResourceRef& r, const std::string& name,
                                   F&& op) {
    if (auto e = ask(v, r, name)) return *e;
    auto done = op();
    if (done && after) after(v, r, name);
    return done;
  }

  kube::Api& inner_;
};

}  // namespace rotor::testing
