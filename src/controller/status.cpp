#include "controller/status.hpp"

namespace rotor::controller {

StatusBuilder::StatusBuilder(const kube::Json& stored_status)
    : stored_(stored_status.is_object() ? stored_status : kube::Json::object()), status_(stored_) {}

void StatusBuilder::set_condition(const std::string& type, bool status, const std::string& reason,
                                  const std::string& message, TimePoint now,
                                  std::int64_t generation) {
  kube::Json conditions = status_.has_field("conditions") && status_.at("conditions").is_array()
                              ? status_.at("conditions")
                              : kube::Json::array();
  const std::string value = status ? "True" : "False";
  kube::Json next = kube::Json::array();
  bool found = false;
  std::size_t i = 0;
  for (const auto& c : conditions.as_array()) {
    kube::Json copy = c;
    if (kube::get_string(c, {"type"}) == type) {
      found = true;
      if (kube::get_string(c, {"status"}) != value) {
        copy["lastTransitionTime"] = kube::Json::string(format_rfc3339(now));
      }
      copy["status"] = kube::Json::string(value);
      copy["reason"] = kube::Json::string(reason);
      copy["message"] = kube::Json::string(message);
      copy["observedGeneration"] = kube::Json::number(static_cast<int64_t>(generation));
    }
    next[i++] = copy;
  }
  if (!found) {
    kube::Json c = kube::Json::object();
    c["type"] = kube::Json::string(type);
    c["status"] = kube::Json::string(value);
    c["reason"] = kube::Json::string(reason);
    c["message"] = kube::Json::string(message);
    c["lastTransitionTime"] = kube::Json::string(format_rfc3339(now));
    c["observedGeneration"] = kube::Json::number(static_cast<int64_t>(generation));
    next[i] = c;
  }
  status_["conditions"] = next;
}

void StatusBuilder::set_time(const std::string& field, std::optional<TimePoint> t) {
  if (t)
    status_[field] = kube::Json::string(format_rfc3339(*t));
  else
    clear(field);
}

void StatusBuilder::set_string(const std::string& field, const std::string& value) {
  if (value.empty())
    clear(field);
  else
    status_[field] = kube::Json::string(value);
}

void StatusBuilder::set_int(const std::string& field, std::int64_t value) {
  status_[field] = kube::Json::number(static_cast<int64_t>(value));
}

void StatusBuilder::set_bool(const std::string& field, bool value) {
  status_[field] = kube::Json::boolean(value);
}

void StatusBuilder::set_error(const std::string& code, const std::string& message) {
  kube::Json e = kube::Json::object();
  e["code"] = kube::Json::string(code);
  e["message"] = kube::Json::string(message);
  status_["lastError"] = e;
}

void StatusBuilder::clear(const std::string& field) {
  if (status_.has_field(field)) status_.erase(field);
}

kube::Json StatusBuilder::patch() const {
  kube::Json status = status_;
  // Fields that were stored but are gone now must be deleted explicitly in a merge patch.
  for (const auto& [k, v] : stored_.as_object()) {
    if (!status.has_field(k)) status[k] = kube::Json::null();
  }
  kube::Json p = kube::Json::object();
  p["status"] = status;
  return p;
}

}  // namespace rotor::controller
