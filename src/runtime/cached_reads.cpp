#include "runtime/cached_reads.hpp"

namespace rotor::runtime {

kube::Result<kube::Object> CachedReads::get(const kube::ResourceRef& r, const std::string& ns,
                                            const std::string& name) {
  const Informer* informer = r == kube::resources::kSecrets ? nullptr : find_(r, ns);
  if (informer == nullptr || !informer->synced()) {
    ++misses_;
    return live_.get(r, ns, name);
  }
  ++hits_;
  if (auto obj = informer->get(r.namespaced ? ns : "", name)) return std::move(*obj);
  kube::Error e;
  e.kind = kube::ErrorKind::kNotFound;
  e.http_status = 404;
  e.reason = "NotFound";
  e.message = r.plural + " \"" + name + "\" not found (cache)";
  return e;
}

}  // namespace rotor::runtime
