#include "runtime/cached_reads.hpp"

#include "kube/json.hpp"

namespace rotor::runtime {

namespace {

kube::Error not_found(const kube::ResourceRef& r, const std::string& name) {
  kube::Error e;
  e.kind = kube::ErrorKind::kNotFound;
  e.http_status = 404;
  e.reason = "NotFound";
  e.message = r.plural + " \"" + name + "\" not found (cache)";
  return e;
}

}  // namespace

kube::Result<kube::Object> CachedReads::get(const kube::ResourceRef& r, const std::string& ns,
                                            const std::string& name) {
  const Informer* informer = find_(r, ns);
  const bool secret = r == kube::resources::kSecrets;
  if (informer == nullptr || !informer->synced()) {
    ++misses_;
    return live_.get(r, ns, name);
  }
  if (secret) {
    if (auto copy = written_copy(ns + "/" + name, informer, ns, name)) {
      ++hits_;
      return std::move(*copy);
    }
  }
  if (auto obj = informer->get(r.namespaced ? ns : "", name)) {
    ++hits_;
    return std::move(*obj);
  }
  // The Secret cache holds labelled Secrets only: absent there says nothing.
  if (secret) {
    ++misses_;
    return live_.get(r, ns, name);
  }
  ++hits_;
  return not_found(r, name);
}

std::optional<kube::Object> CachedReads::written_copy(const std::string& key,
                                                      const Informer* informer,
                                                      const std::string& ns,
                                                      const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = written_.find(key);
  if (it == written_.end()) return std::nullopt;
  const auto cached = informer->get(ns, name);
  // The informer has delivered this very write (later ones come after it), or too long
  // has passed: the cache is at least as new from here on.
  if ((cached && kube::resource_version_of(*cached) == kube::resource_version_of(it->second.obj)) ||
      clock_.now() - it->second.at > kWrittenTtl) {
    written_.erase(it);
    return std::nullopt;
  }
  return it->second.obj;
}

kube::Result<kube::Object> CachedReads::remember(const kube::ResourceRef& r, const std::string& ns,
                                                 const std::string& name,
                                                 kube::Result<kube::Object> written) {
  if (r != kube::resources::kSecrets) return written;
  std::optional<kube::Object> keep;
  if (written) {
    keep = *written;
  } else if (written.error().kind == kube::ErrorKind::kConflict ||
             written.error().kind == kube::ErrorKind::kAlreadyExists) {
    ++misses_;
    if (auto current = live_.get(r, ns, name)) keep = std::move(*current);
  }
  const TimePoint now = clock_.now();
  std::lock_guard lock(mu_);
  if (keep) {
    written_[ns + "/" + name] = {std::move(*keep), now};
  } else {
    written_.erase(ns + "/" + name);
  }
  // Copies nobody read again would stay for good: drop the expired ones now and then, so
  // that memory follows the writes of the last kWrittenTtl, not every Secret ever written.
  if (now - last_sweep_ > kWrittenTtl) {
    last_sweep_ = now;
    std::erase_if(written_, [&](const auto& entry) { return now - entry.second.at > kWrittenTtl; });
  }
  return written;
}

kube::Result<void> CachedReads::remove(const kube::ResourceRef& r, const std::string& ns,
                                       const std::string& name, const kube::DeleteOptions& o) {
  if (r == kube::resources::kSecrets) {
    std::lock_guard lock(mu_);
    written_.erase(ns + "/" + name);
  }
  return live_.remove(r, ns, name, o);
}

}  // namespace rotor::runtime
