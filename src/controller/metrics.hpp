#pragma once
// The operator's Prometheus metrics (prefix rotor_), fed through the OperatorObserver
// interface and, at scrape time, from the work queue and the leader elector:
//   rotor_build_info{version}                       gauge, 1
//   rotor_leader                                    gauge, 1 while this replica leads
//   rotor_workqueue_depth                           gauge, keys ready for a worker
//   rotor_reconcile_total{kind,result}              counter, result success|error
//   rotor_reconcile_duration_seconds{kind}          histogram
//   rotor_rotations_total{kind,result}              counter, result success|failure: a pass
//                                                   that called the cloud and completed a
//                                                   rotation, or did not
//   rotor_resource_ready_status{kind,namespace,name,condition}
//                                                   gauge, 1 for the Ready condition's
//                                                   status (True|False), 0 for the other

#include "controller/observer.hpp"
#include "metrics/registry.hpp"
#include "runtime/workqueue.hpp"

namespace rotor::controller {

class OperatorMetrics final : public OperatorObserver {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit OperatorMetrics(metrics::Registry& registry);

  void on_pass(const PassOutcome& outcome) override;
  void on_reconciled(ResourceKind kind, bool error, double seconds) override;
  void on_deleted(ResourceKind kind, const std::string& ns, const std::string& name) override;
  void set_leader(bool leading);
  // Reads the queue's depth at every scrape; the queue must outlive the registry's use.
  void watch_queue(const runtime::WorkQueue& queue);

 private:
  metrics::Registry& registry_;
  metrics::Gauge& leader_;
  metrics::Gauge& depth_;
  metrics::Counter& reconciles_;
  metrics::Histogram& duration_;
  metrics::Counter& rotations_;
  metrics::Gauge& ready_;
};

}  // namespace rotor::controller
