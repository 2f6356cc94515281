#include "kube/resource.hpp"

#include "util/percent.hpp"

namespace rotor::kube {

std::string url_escape(std::string_view s) {
  return percent_encode(s);
}

std::string resource_path(const ResourceRef& r, std::string_view ns, std::string_view name,
                          std::string_view subresource) {
  std::string path = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  if (r.namespaced && !ns.empty()) path += "/namespaces/" + url_escape(ns);
  path += "/" + r.plural;
  if (!name.empty()) {
    path += "/" + url_escape(name);
    if (!subresource.empty()) path += "/" + std::string(subresource);
  }
  return path;
}

}  // namespace rotor::kube
