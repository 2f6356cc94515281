#pragma once
// Kubernetes Events about a resource, so that `kubectl describe` tells its story. Messages
// are written by the reconciler from outcomes that are already scrubbed of secrets.
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

 private:
  void record(const RotatedResource& r, const char* type, const std::string& reason,
              const std::string& message);

  kube::Api& api_;
  const Clock& clock_;
  Logger& log_;
  std::string instance_;
};

}  // namespace rotor::controller
