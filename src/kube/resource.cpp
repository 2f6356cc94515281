#include "kube/resource.hpp"

namespace rotor::kube {

std::string url_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                            (u >= '0' && u <= '9') || u == '-' || u == '.' || u == '_' || u == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
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
