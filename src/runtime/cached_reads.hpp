#pragma once
// A kube::Api whose get() answers from informer caches where one covers the object, and
// passes everything else (every write, every other read) to the server. The reconciler reads
// its resource, its cloud account and its Secrets through it, so a reconcile of an idle
// resource costs no request at all.
//
// Secrets come from the informer of Secrets labelled as rotor's. That cache is filtered by
// the label, so it cannot say a Secret does not exist: a miss is read from the server. A
// Secret this process wrote is answered with what the server returned for the write until
// the informer has caught up with it (read-your-writes), so the pass its own write wakes
// does not act on an older copy. Writes carry the resourceVersion read, so a stale copy
// can never overwrite anything; what a wrong-password attempt could rest on is read again
// with get_fresh() (controller::SecretStore).
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>

#include "kube/api.hpp"
#include "kube/json.hpp"
#include "runtime/informer.hpp"
#include "util/clock.hpp"

namespace rotor::runtime {

// The synced informer caching (resource, namespace), or null. Namespaced kinds watched in
// all namespaces are found with any namespace.
using InformerFinder =
    std::function<const Informer*(const kube::ResourceRef& r, const std::string& ns)>;

class CachedReads final : public kube::Api {
 public:
  CachedReads(kube::Api& live, InformerFinder find, const Clock& clock)
      : live_(live), find_(std::move(find)), clock_(clock) {}

  kube::Result<kube::Object> get(const kube::ResourceRef& r, const std::string& ns,
                                 const std::string& name) override;
  kube::Result<kube::Object> get_fresh(const kube::ResourceRef& r, const std::string& ns,
                                       const std::string& name) override {
    ++misses_;
    return live_.get(r, ns, name);
  }
  // How many get()s were answered from a cache, and how many went to the server.
  std::uint64_t cache_hits() const { return hits_; }
  std::uint64_t live_gets() const { return misses_; }
  // Written copies held (read-your-writes), for tests and memory figures.
  std::size_t written_copies() const {
    std::lock_guard lock(mu_);
    return written_.size();
  }

  kube::Result<kube::ObjectList> list(const kube::ResourceRef& r, const std::string& ns,
                                      const kube::ListOptions& o = {}) override {
    return live_.list(r, ns, o);
  }
  kube::Result<kube::Object> create(const kube::ResourceRef& r, const std::string& ns,
                                    const kube::Object& obj) override {
    return remember(r, ns, kube::name_of(obj), live_.create(r, ns, obj));
  }
  kube::Result<kube::Object> replace(const kube::ResourceRef& r, const std::string& ns,
                                     const kube::Object& obj) override {
    return remember(r, ns, kube::name_of(obj), live_.replace(r, ns, obj));
  }
  kube::Result<kube::Object> replace_status(const kube::ResourceRef& r, const std::string& ns,
                                            const kube::Object& obj) override {
    return live_.replace_status(r, ns, obj);
  }
  kube::Result<kube::Object> patch(const kube::ResourceRef& r, const std::string& ns,
                                   const std::string& name, kube::PatchType type,
                                   const kube::Json& patch,
                                   const kube::PatchOptions& o = {}) override {
    return remember(r, ns, name, live_.patch(r, ns, name, type, patch, o));
  }
  kube::Result<kube::Object> patch_status(const kube::ResourceRef& r, const std::string& ns,
                                          const std::string& name, kube::PatchType type,
                                          const kube::Json& patch,
                                          const kube::PatchOptions& o = {}) override {
    return live_.patch_status(r, ns, name, type, patch, o);
  }
  kube::Result<void> remove(const kube::ResourceRef& r, const std::string& ns,
                            const std::string& name, const kube::DeleteOptions& o = {}) override;
  kube::WatchResult watch(const kube::ResourceRef& r, const std::string& ns,
                          const kube::WatchOptions& o, const kube::WatchHandler& on_event,
                          std::stop_token stop = {}) override {
    return live_.watch(r, ns, o, on_event, stop);
  }

  // How long a written Secret is preferred over the cache at most: the informer normally
  // delivers it within milliseconds; a relist that skips it must not pin an old copy.
  static constexpr std::chrono::seconds kWrittenTtl{30};

 private:
  struct Written {
    kube::Object obj;
    TimePoint at;
  };
  // Keeps a Secret this process wrote; a failed write forgets any earlier copy (someone
  // else's write came after it). A write refused as stale (409 Conflict, AlreadyExists)
  // proves the cache behind the server: the Secret is read from the server once and that
  // copy is kept instead, so the retry does not act on the same stale copy again.
  kube::Result<kube::Object> remember(const kube::ResourceRef& r, const std::string& ns,
                                      const std::string& name, kube::Result<kube::Object> written);
  std::optional<kube::Object> written_copy(const std::string& key, const Informer* informer,
                                           const std::string& ns, const std::string& name);

  kube::Api& live_;
  InformerFinder find_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Written> written_;  // Secrets by "namespace/name"
  TimePoint last_sweep_{};

  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace rotor::runtime
