#pragma once
// Kubernetes label-selector semantics (matchLabels, matchExpressions) on a label map: which
// namespaces a cloud account admits, and which its instance rules apply to.
#include "kube/json.hpp"

namespace rotor::access {

bool selector_matches(const kube::Json& selector, const kube::Json& labels);

}  // namespace rotor::access
