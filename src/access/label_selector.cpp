#include "access/label_selector.hpp"

namespace rotor::access {

bool selector_matches(const kube::Json& selector, const kube::Json& labels) {
  auto label = [&](const std::string& k) -> std::optional<std::string> {
    if (!labels.is_object() || !labels.has_field(k) || !labels.at(k).is_string())
      return std::nullopt;
    return labels.at(k).as_string();
  };
  if (const kube::Json* ml = kube::find(selector, {"matchLabels"}); ml && ml->is_object()) {
    for (const auto& [k, v] : ml->as_object()) {
      if (label(k) != (v.is_string() ? std::optional(v.as_string()) : std::nullopt)) return false;
    }
  }
  if (const kube::Json* me = kube::find(selector, {"matchExpressions"}); me && me->is_array()) {
    for (const auto& expr : me->as_array()) {
      const auto have = label(kube::get_string(expr, {"key"}));
      const std::string op = kube::get_string(expr, {"operator"});
      bool listed = false;
      if (const kube::Json* values = kube::find(expr, {"values"}); values && values->is_array()) {
        for (const auto& v : values->as_array()) listed |= v.is_string() && have == v.as_string();
      }
      if (op == "In" && !listed) return false;
      if (op == "NotIn" && listed) return false;
      if (op == "Exists" && !have) return false;
      if (op == "DoesNotExist" && have) return false;
      if (op != "In" && op != "NotIn" && op != "Exists" && op != "DoesNotExist") return false;
    }
  }
  return true;
}

}  // namespace rotor::access
