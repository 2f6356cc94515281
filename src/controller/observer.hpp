#pragma once
// What the operator tells an observer (metrics, tests) about its work, without depending on
// how it is exported: each reconcile with its duration, the outcome of each pass over a
// resource (a rotation completed or failed, the Ready condition, its schedule, locks and
// blocks), each cloud password call, each key's wait in the work queue, each Kubernetes API
// request, and a resource's deletion.
#include <optional>
#include <string>
#include <string_view>

#include "cloud/outcome.hpp"
#include "controller/resource.hpp"
#include "util/clock.hpp"

namespace rotor::controller {

struct PassOutcome {
  ResourceKind kind = ResourceKind::kDcsInstance;
  std::string ns;
  std::string name;
  bool rotated = false;     // a rotation completed in this pass
  bool cloud_call = false;  // the cloud answered (or failed to answer) a password call
  bool ready = false;       // the Ready condition written for the resource
  std::string reason;       // the condition reason, e.g. "Rotated", "WrongOldPassword"
  // A rotation completed: seconds from its pending password's creation to the commit.
  std::optional<double> rotation_seconds = std::nullopt;
  std::optional<TimePoint> last_rotation = std::nullopt;
  // When the next rotation is (or was) due by the schedule; nullopt when none is scheduled
  // (suspended, or never rotated). Kept while a rotation is late, so "overdue" can be seen.
  std::optional<TimePoint> next_rotation = std::nullopt;
  bool locked = false;   // the cloud locked password changes for now
  bool blocked = false;  // waits for a person (status.blockedReason)
  // False when the pass could not read or write the rotation record: the four fields
  // above say nothing then, and the last known values stand.
  bool record_known = true;
};

class OperatorObserver {
 public:
  virtual ~OperatorObserver() = default;
  // After each pass of the Reconciler that reached the resource's status.
  virtual void on_pass(const PassOutcome&) {}
  // A pass that stopped before the engine (invalid spec, account refused, duplicate
  // instance...): the resource is not Ready; its schedule is as the last pass said.
  virtual void on_refused(ResourceKind, const std::string& /*ns*/, const std::string& /*name*/,
                          const std::string& /*reason*/) {}
  // After each reconcile of a queue key; `error`: it failed and is retried with backoff.
  virtual void on_reconciled(ResourceKind, bool /*error*/, double /*seconds*/) {}
  // A rotated resource was deleted (its per-resource series go with it).
  virtual void on_deleted(ResourceKind, const std::string& /*ns*/, const std::string& /*name*/) {}
  // After each password call to the cloud: service "dcs", "ddm" or "dms"; call "reset",
  // "reset_password_free" or "change".
  virtual void on_cloud_request(std::string_view /*service*/, std::string_view /*call*/,
                                cloud::OutcomeKind) {}
  // A worker took a key that had waited this long since it was added (or fell due).
  virtual void on_queue_wait(double /*seconds*/) {}
  // After each Kubernetes API request: verb (get, list, watch, create, update, patch,
  // delete), resource (plural, e.g. "secrets"), HTTP status code ("<error>": no answer).
  virtual void on_kube_request(std::string_view /*verb*/, std::string_view /*resource*/,
                               std::string_view /*code*/) {}
};

}  // namespace rotor::controller
