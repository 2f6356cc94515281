#pragma once
// Builds a resource's status from what a reconcile learned. Conditions keep their
// lastTransitionTime while their status stays the same, and a status equal to the stored
// one is not written at all, so reconciles do not feed themselves through the watch.
#include <optional>
#include <string>

#include "kube/json.hpp"
#include "util/clock.hpp"

namespace rotor::controller {

class StatusBuilder {
 public:
  // Starts from the stored status (or an empty object).
  explicit StatusBuilder(const kube::Json& stored_status);

  void set_condition(const std::string& type, bool status, const std::string& reason,
                     const std::string& message, TimePoint now, std::int64_t generation);
  void set_time(const std::string& field, std::optional<TimePoint> t);  // nullopt removes it
  void set_string(const std::string& field, const std::string& value);  // "" removes it
  void set_int(const std::string& field, std::int64_t value);
  void set_bool(const std::string& field, bool value);
  void set_error(const std::string& code, const std::string& message);
  void clear(const std::string& field);

  bool changed() const { return !(status_ == stored_); }
  // A merge patch replacing the whole status: {"status": {...}} with nulls for removed fields.
  kube::Json patch() const;
  const kube::Json& status() const { return status_; }

 private:
  kube::Json stored_;
  kube::Json status_;
};

}  // namespace rotor::controller
