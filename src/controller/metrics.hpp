#pragma once
// The operator's Prometheus metrics (prefix rotor_), fed through the OperatorObserver
// interface and, at scrape time, from the work queue and the leader elector:
//   rotor_build_info{version}                       gauge, 1
//   rotor_leader                                    gauge, 1 while this replica leads
//   rotor_workqueue_depth                           gauge, keys ready for a worker
//   rotor_workqueue_queue_duration_seconds          histogram, a key's wait for a worker
//   rotor_reconcile_total{kind,result}              counter, result success|error
//   rotor_reconcile_duration_seconds{kind}          histogram
//   rotor_rotations_total{kind,result}              counter, result success|failure: a pass
//                                                   that called the cloud and completed a
//                                                   rotation, or did not
//   rotor_rotation_duration_seconds{kind}           histogram, a rotation's pending password
//                                                   made -> committed
//   rotor_cloud_requests_total{service,call,outcome} counter, each password call
//   rotor_kube_requests_total{verb,resource,code}   counter, each Kubernetes API request
//   Per resource, labels {kind,namespace,name}, removed when the resource is deleted:
//   rotor_resource_ready_status{...,condition}      gauge, 1 for the Ready condition's
//                                                   status (True|False), 0 for the other
//   rotor_resource_last_rotation_timestamp_seconds  gauge, Unix time
//   rotor_resource_next_rotation_timestamp_seconds  gauge, Unix time the next is due
//   rotor_resource_locked, rotor_resource_blocked   gauge, 1 or 0
#include "controller/observer.hpp"
#include "metrics/registry.hpp"
#include "runtime/workqueue.hpp"

namespace rotor::controller {

class OperatorMetrics final : public OperatorObserver {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit OperatorMetrics(metrics::Registry& registry);

  void on_pass(const PassOutcome& outcome) override;
  void on_refused(ResourceKind kind, const std::string& ns, const std::string& name,
                  const std::string& reason) override;
  void on_reconciled(ResourceKind kind, bool error, double seconds) override;
  void on_deleted(ResourceKind kind, const std::string& ns, const std::string& name) override;
  void on_cloud_request(std::string_view service, std::string_view call,
                        cloud::OutcomeKind outcome) override;
  void on_queue_wait(double seconds) override;
  void on_kube_request(std::string_view verb, std::string_view resource,
                       std::string_view code) override;
  void set_leader(bool leading);
  // Reads the queue's depth at every scrape; the queue must outlive the registry's use.
  void watch_queue(const runtime::WorkQueue& queue);

 private:
  metrics::Registry& registry_;
  metrics::Gauge& leader_;
  metrics::Gauge& depth_;
  metrics::Histogram& queue_wait_;
  metrics::Counter& reconciles_;
  metrics::Histogram& duration_;
  metrics::Counter& rotations_;
  metrics::Histogram& rotation_duration_;
  metrics::Counter& cloud_requests_;
  metrics::Counter& kube_requests_;
  metrics::Gauge& ready_;
  metrics::Gauge& last_rotation_;
  metrics::Gauge& next_rotation_;
  metrics::Gauge& locked_;
  metrics::Gauge& blocked_;
};

// The outcome label: "applied", "wrong_old_password", "not_sent", ...
const char* outcome_label(cloud::OutcomeKind kind);

}  // namespace rotor::controller
