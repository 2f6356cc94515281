#pragma once
// Which instances a namespace may rotate through an account (spec.allowedInstances). An
// account admits namespaces; without instance scoping any admitted namespace could name
// another tenant's instance in the same project, and rotor would reset it and hand them the
// new password. A ClusterCloudAccount is shared by design, so it admits no instance until
// its rules list some; a CloudAccount belongs to its namespace and admits every instance of
// its project unless it has rules.
//
//   allowedInstances:
//   - name: team-a                       # shown in conditions
//     namespaces: {names: [team-a]}      # or selector; absent: every admitted namespace
//     dcs: ["dcs-a-1", "team-a-*"]       # ids, "prefix*", or "*"
//     ddm: [...]
//     dms: [...]
#include <functional>
#include <optional>
#include <string>

#include "kube/json.hpp"

namespace rotor::access {

struct InstanceRequest {
  std::string account;  // "ClusterCloudAccount shared", for messages
  bool cluster_account = false;
  std::string ns;
  std::string service;  // "dcs", "ddm" or "dms"
  std::string instance_id;
};

// The namespace's labels, for rules with a selector; nullopt when they cannot be read.
using NamespaceLabels = std::function<std::optional<kube::Json>()>;

struct ScopeDecision {
  bool admitted = false;
  bool transient = false;  // the namespace could not be read: try again
  std::string message;     // why not, naming the rules that apply to the namespace
};

// `rules` is spec.allowedInstances (null when absent).
ScopeDecision check_instance(const kube::Json* rules, const InstanceRequest& req,
                             const NamespaceLabels& labels);

// "team-a-*" admits ids starting with "team-a-"; "*" admits all; anything else is exact.
bool id_pattern_matches(const std::string& pattern, const std::string& id);

}  // namespace rotor::access
