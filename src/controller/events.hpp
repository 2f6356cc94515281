#pragma once
// Kubernetes Events about a resource, so that `kubectl describe` tells its story, and about
// the leader election's Lease. Messages are written by the reconciler from outcomes that are
// already scrubbed of secrets.
#include <string>

#include "controller/resource.hpp"
#include "kube/api.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

namespace rotor::controller {

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  virtual void normal(const RotatedResource& r, const std::string& reason,
                      const std::string& message) = 0;
  virtual void warning(const RotatedResource& r, const std::string& reason,
                       const std::string& message) = 0;
};

// The object an Event is about (its involvedObject).
struct EventSubject {
  std::string api_version;
  std::string kind;
  std::string ns;
  std::string name;
  std::string uid;  // "" if unknown; `kubectl describe` matches Events on it
};

// core/v1 Events; a failure to record one is logged and otherwise ignored.
class KubeEventRecorder final : public EventRecorder {
 public:
  KubeEventRecorder(kube::Api& api, const Clock& clock, Logger& log, std::string instance)
      : api_(api), clock_(clock), log_(log), instance_(std::move(instance)) {}
  void normal(const RotatedResource& r, const std::string& reason,
              const std::string& message) override {
    record(r, "Normal", reason, message);
  }
  void warning(const RotatedResource& r, const std::string& reason,
               const std::string& message) override {
    record(r, "Warning", reason, message);
  }
  // What controller-runtime records when a replica takes the Lease: Normal LeaderElection
  // "<identity> became leader", on the coordination.k8s.io/v1 Lease.
  void leader_elected(const std::string& lease_ns, const std::string& lease_name,
                      const std::string& lease_uid, const std::string& identity);

 private:
  void record(const RotatedResource& r, const char* type, const std::string& reason,
              const std::string& message);
  void record(const EventSubject& subject, const char* type, const std::string& reason,
              const std::string& message);

  kube::Api& api_;
  const Clock& clock_;
  Logger& log_;
  std::string instance_;
};

}  // namespace rotor::controller
