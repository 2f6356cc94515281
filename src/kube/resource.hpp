#pragma once
// Which kind of object a call is about: enough to build its URL and to tell the fake API
// how the real server treats it (scope, status subresource).
#include <string>
#include <string_view>

namespace rotor::kube {

struct ResourceRef {
  std::string group;    // "" for the core ("legacy") API
  std::string version;  // "v1", "v1alpha1"
  std::string plural;   // the URL segment: "secrets"
  std::string kind;     // "Secret"; create() fills apiVersion/kind in when an object lacks them
  bool namespaced = true;
  // With a status subresource the main endpoint ignores status changes and /status ignores
  // everything else; custom resources with one also bump metadata.generation on spec changes.
  bool status_subresource = false;

  // "v1" for the core API, "group/version" otherwise.
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // "secrets" or "leases.coordination.k8s.io": unique per resource, for maps and messages.
  std::string id() const { return group.empty() ? plural : plural + "." + group; }
  friend bool operator==(const ResourceRef&, const ResourceRef&) = default;
};

// The URL path of a collection (`name` empty) or of one object, optionally of one of its
// subresources: /api/v1/namespaces/ns/secrets/name, /apis/group/version/plural/name/status.
// `ns` is ignored for cluster-scoped resources and may be empty (all namespaces) for lists.
std::string resource_path(const ResourceRef& r, std::string_view ns, std::string_view name = {},
                          std::string_view subresource = {});

// Percent-encodes everything outside RFC 3986's unreserved set, for path segments and query
// values (label selectors contain '=', ',', '!' and spaces).
std::string url_escape(std::string_view s);

// The resources the operator uses.
namespace resources {
inline const ResourceRef kNamespaces{"", "v1", "namespaces", "Namespace", false, true};
inline const ResourceRef kSecrets{"", "v1", "secrets", "Secret", true, false};
inline const ResourceRef kConfigMaps{"", "v1", "configmaps", "ConfigMap", true, false};
inline const ResourceRef kServiceAccounts{"",   "v1", "serviceaccounts", "ServiceAccount",
                                          true, false};
// Core events are what `kubectl describe` shows on every server version; events.k8s.io/v1 is
// the newer API over the same storage.
inline const ResourceRef kCoreEvents{"", "v1", "events", "Event", true, false};
inline const ResourceRef kEvents{"events.k8s.io", "v1", "events", "Event", true, false};
inline const ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", "Lease", true, false};
inline const ResourceRef kRoles{"rbac.authorization.k8s.io", "v1", "roles", "Role", true, false};
inline const ResourceRef kRoleBindings{
    "rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false};
inline const ResourceRef kCustomResourceDefinitions{
    "apiextensions.k8s.io",     "v1",  "customresourcedefinitions",
    "CustomResourceDefinition", false, true};

// rotor.dev custom resources (crds/), all with a status subresource.
inline const ResourceRef kCloudAccounts{"rotor.dev",    "v1alpha1", "cloudaccounts",
                                        "CloudAccount", true,       true};
inline const ResourceRef kClusterCloudAccounts{
    "rotor.dev", "v1alpha1", "clustercloudaccounts", "ClusterCloudAccount", false, true};
inline const ResourceRef kDcsInstances{"rotor.dev",   "v1alpha1", "dcsinstances",
                                       "DcsInstance", true,       true};
inline const ResourceRef kDdmAccounts{"rotor.dev",  "v1alpha1", "ddmaccounts",
                                      "DdmAccount", true,       true};
inline const ResourceRef kDmsInstances{"rotor.dev",   "v1alpha1", "dmsinstances",
                                       "DmsInstance", true,       true};
}  // namespace resources

}  // namespace rotor::kube
