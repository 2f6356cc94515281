#include "controller/metrics.hpp"

namespace rotor::controller {

OperatorMetrics::OperatorMetrics(metrics::Registry& registry)
    : registry_(registry),
      leader_(registry.gauge("rotor_leader", "1 while this replica is the leader, else 0.")),
      depth_(registry.gauge("rotor_workqueue_depth", "Keys ready and waiting for a worker.")),
      reconciles_(registry.counter("rotor_reconcile_total",
                                   "Reconciles by kind and result (success or error).",
                                   {"kind", "result"})),
      duration_(registry.histogram("rotor_reconcile_duration_seconds",
                                   "Time spent in one reconcile, by kind.", {"kind"},
                                   metrics::default_buckets())),
      rotations_(registry.counter(
          "rotor_rotations_total",
          "Passes that called the cloud, by kind and result: success (a password rotated) "
          "or failure.",
          {"kind", "result"})),
      ready_(registry.gauge("rotor_resource_ready_status",
                            "The Ready condition of each rotated resource: 1 for its status.",
                            {"kind", "namespace", "name", "condition"})) {
  registry.gauge("rotor_build_info", "rotor's version; always 1.", {"version"})
      .set({ROTOR_VERSION}, 1);
  leader_.set(0);
  depth_.set(0);
}

void OperatorMetrics::on_pass(const PassOutcome& outcome) {
  const std::string kind = kind_name(outcome.kind);
  ready_.set({kind, outcome.ns, outcome.name, "True"}, outcome.ready ? 1 : 0);
  ready_.set({kind, outcome.ns, outcome.name, "False"}, outcome.ready ? 0 : 1);
  if (outcome.rotated) {
    rotations_.inc({kind_name(outcome.kind), "success"});
  } else if (outcome.cloud_call) {
    rotations_.inc({kind_name(outcome.kind), "failure"});
  }
}

void OperatorMetrics::on_reconciled(ResourceKind kind, bool error, double seconds) {
  reconciles_.inc({kind_name(kind), error ? "error" : "success"});
  duration_.observe({kind_name(kind)}, seconds);
}

void OperatorMetrics::on_deleted(ResourceKind kind, const std::string& ns,
                                 const std::string& name) {
  for (const char* condition : {"True", "False"})
    ready_.remove({kind_name(kind), ns, name, condition});
}

void OperatorMetrics::set_leader(bool leading) {
  leader_.set(leading ? 1 : 0);
}

void OperatorMetrics::watch_queue(const runtime::WorkQueue& queue) {
  registry_.add_collector(
      [this, &queue] { depth_.set(static_cast<double>(queue.metrics().depth)); });
}

}  // namespace rotor::controller
