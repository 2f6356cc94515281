#pragma once
// What the operator tells an observer (metrics, tests) about its work, without depending on
// how it is exported: each reconcile with its duration, and the outcome of each pass over a
// resource (a rotation completed or failed, the Ready condition), and its deletion.
#include <string>

#include "controller/resource.hpp"

namespace rotor::controller {

struct PassOutcome {
  ResourceKind kind = ResourceKind::kDcsInstance;
  std::string ns;
  std::string name;
  bool rotated = false;     // a rotation completed in this pass
  bool cloud_call = false;  // the cloud answered (or failed to answer) a password call
  bool ready = false;       // the Ready condition written for the resource
  std::string reason;       // the condition reason, e.g. "Rotated", "WrongOldPassword"
};

class OperatorObserver {
 public:
  virtual ~OperatorObserver() = default;
  // After each pass of the Reconciler that reached the resource's status.
  virtual void on_pass(const PassOutcome&) {}
  // After each reconcile of a queue key; `error`: it failed and is retried with backoff.
  virtual void on_reconciled(ResourceKind, bool /*error*/, double /*seconds*/) {}
  // A rotated resource was deleted (its per-resource series go with it).
  virtual void on_deleted(ResourceKind, const std::string& /*ns*/, const std::string& /*name*/) {}
};

}  // namespace rotor::controller
