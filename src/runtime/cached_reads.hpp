#pragma once
// A kube::Api whose get() answers from informer caches where one covers the object, and
// passes everything else (every write, every other read) to the server. The reconciler reads
// its resource and cloud account through it, so a reconcile of an idle resource costs no
// read of them at all.
//
// Secrets are deliberately not served from a cache: the password rotor sends to the cloud
// as the "current" one, and the rotation record it builds on, must be what the server holds
// now, not what a watch delivered a moment ago (a stale current password would be a wrong
// attempt). Their writes carry the resourceVersion read, so a stale read could not overwrite
// anything either way.
#include <functional>

#include "kube/api.hpp"
#include "runtime/informer.hpp"

namespace rotor::runtime {

// The synced informer caching (resource, namespace), or null. Namespaced kinds watched in
// all namespaces are found with any namespace.
using InformerFinder =
    std::function<const Informer*(const kube::ResourceRef& r, const std::string& ns)>;

class CachedReads final : public kube::Api {
 public:
  CachedReads(kube::Api& live, InformerFinder find) : live_(live), find_(std::move(find)) {}

  kube::Result<kube::Object> get(const kube::ResourceRef& r, const std::string& ns,
                                 const std::string& name) override;
  // How many get()s were answered from a cache, and how many went to the server.
  std::uint64_t cache_hits() const { return hits_; }
  std::uint64_t live_gets() const { return misses_; }

  kube::Result<kube::ObjectList> list(const kube::ResourceRef& r, const std::string& ns,
                                      const kube::ListOptions& o = {}) override {
    return live_.list(r, ns, o);
  }
  kube::Result<kube::Object> create(const kube::ResourceRef& r, const std::string& ns,
                                    const kube::Object& obj) override {
    return live_.create(r, ns, obj);
  }
  kube::Result<kube::Object> replace(const kube::ResourceRef& r, const std::string& ns,
                                     const kube::Object& obj) override {
    return live_.replace(r, ns, obj);
  }
  kube::Result<kube::Object> replace_status(const kube::ResourceRef& r, const std::string& ns,
                                            const kube::Object& obj) override {
    return live_.replace_status(r, ns, obj);
  }
  kube::Result<kube::Object> patch(const kube::ResourceRef& r, const std::string& ns,
                                   const std::string& name, kube::PatchType type,
                                   const kube::Json& patch,
                                   const kube::PatchOptions& o = {}) override {
    return live_.patch(r, ns, name, type, patch, o);
  }
  kube::Result<kube::Object> patch_status(const kube::ResourceRef& r, const std::string& ns,
                                          const std::string& name, kube::PatchType type,
                                          const kube::Json& patch,
                                          const kube::PatchOptions& o = {}) override {
    return live_.patch_status(r, ns, name, type, patch, o);
  }
  kube::Result<void> remove(const kube::ResourceRef& r, const std::string& ns,
                            const std::string& name, const kube::DeleteOptions& o = {}) override {
    return live_.remove(r, ns, name, o);
  }
  kube::WatchResult watch(const kube::ResourceRef& r, const std::string& ns,
                          const kube::WatchOptions& o, const kube::WatchHandler& on_event,
                          std::stop_token stop = {}) override {
    return live_.watch(r, ns, o, on_event, stop);
  }

 private:
  kube::Api& live_;
  InformerFinder find_;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace rotor::runtime
