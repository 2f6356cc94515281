#include "access/instance_scope.hpp"

#include "access/label_selector.hpp"

namespace rotor::access {

bool id_pattern_matches(const std::string& pattern, const std::string& id) {
  if (!pattern.empty() && pattern.back() == '*')
    return id.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return pattern == id;
}

ScopeDecision check_instance(const kube::Json* rules, const InstanceRequest& req,
                             const NamespaceLabels& labels) {
  ScopeDecision d;
  if (rules == nullptr || !rules->is_array()) {
    d.admitted = !req.cluster_account;
    if (!d.admitted)
      d.message = req.account +
                  " has no spec.allowedInstances; a cluster account admits no instance until "
                  "a rule lists it";
    return d;
  }
  std::optional<kube::Json> ns_labels;
  bool labels_read = false;
  std::string applying;  // the rules for this namespace and what they list for the service
  int index = 0;
  for (const auto& rule : rules->as_array()) {
    const std::string name = kube::get_string(rule, {"name"}, "#" + std::to_string(index));
    ++index;
    bool for_ns = true;
    if (const kube::Json* nss = kube::find(rule, {"namespaces"})) {
      for_ns = false;
      if (const kube::Json* names = kube::find(*nss, {"names"}); names && names->is_array()) {
        for (const auto& n : names->as_array()) for_ns |= n.is_string() && n.as_string() == req.ns;
      }
      if (const kube::Json* sel = kube::find(*nss, {"selector"}); !for_ns && sel) {
        if (!labels_read) {
          ns_labels = labels();
          labels_read = true;
        }
        if (!ns_labels) {
          d.transient = true;
          d.message = "cannot read the labels of namespace " + req.ns;
          return d;
        }
        for_ns = selector_matches(*sel, *ns_labels);
      }
    }
    if (!for_ns) continue;
    std::string listed;
    if (const kube::Json* ids = kube::find(rule, {req.service}); ids && ids->is_array()) {
      for (const auto& p : ids->as_array()) {
        if (!p.is_string()) continue;
        if (id_pattern_matches(p.as_string(), req.instance_id)) {
          d.admitted = true;
          return d;
        }
        listed += (listed.empty() ? "" : ", ") + p.as_string();
      }
    }
    applying += (applying.empty() ? "" : "; ") + std::string("'") + name + "' (" + req.service +
                ": " + (listed.empty() ? "none" : listed) + ")";
  }
  d.message = req.account + " does not admit " + req.service + " instance " + req.instance_id +
              " for namespace " + req.ns + ": " +
              (applying.empty() ? "no allowedInstances rule applies to this namespace"
                                : "rules for this namespace: " + applying);
  return d;
}

}  // namespace rotor::access
