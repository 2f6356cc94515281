#include "controller/metrics.hpp"

namespace rotor::controller {
namespace {

const std::vector<std::string> kResourceLabels = {"kind", "namespace", "name"};

double unix_seconds(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// A rotation is one or a few API and cloud calls; retries after busy or lost answers stretch
// it to minutes or hours.
std::vector<double> rotation_buckets() {
  return {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600};
}

// Keys wait for a free worker: milliseconds when idle, up to a reconcile's length or more
// when every worker is busy.
std::vector<double> queue_wait_buckets() {
  return {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60};
}

void set_or_remove(metrics::Gauge& gauge, const metrics::LabelValues& labels,
                   const std::optional<TimePoint>& t) {
  if (t) {
    gauge.set(labels, unix_seconds(*t));
  } else {
    gauge.remove(labels);
  }
}

}  // namespace

const char* outcome_label(cloud::OutcomeKind kind) {
  switch (kind) {
    case cloud::OutcomeKind::kApplied:
      return "applied";
    case cloud::OutcomeKind::kRejected:
      return "rejected";
    case cloud::OutcomeKind::kResetUnsupported:
      return "reset_unsupported";
    case cloud::OutcomeKind::kWrongOldPassword:
      return "wrong_old_password";
    case cloud::OutcomeKind::kLocked:
      return "locked";
    case cloud::OutcomeKind::kBusy:
      return "busy";
    case cloud::OutcomeKind::kThrottled:
      return "throttled";
    case cloud::OutcomeKind::kAuthFailed:
      return "auth_failed";
    case cloud::OutcomeKind::kUnknown:
      return "unknown";
    case cloud::OutcomeKind::kNotSent:
      return "not_sent";
  }
  return "unknown";
}

OperatorMetrics::OperatorMetrics(metrics::Registry& registry)
    : registry_(registry),
      leader_(registry.gauge("rotor_leader", "1 while this replica is the leader, else 0.")),
      depth_(registry.gauge("rotor_workqueue_depth", "Keys ready and waiting for a worker.")),
      queue_wait_(registry.histogram(
          "rotor_workqueue_queue_duration_seconds",
          "How long a key waited in the work queue, from its add (or due time) to a worker.", {},
          queue_wait_buckets())),
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
      rotation_duration_(registry.histogram(
          "rotor_rotation_duration_seconds",
          "Time from a rotation's new password being made to its commit into the Secret.", {"kind"},
          rotation_buckets())),
      cloud_requests_(registry.counter("rotor_cloud_requests_total",
                                       "Password calls to the cloud by service, call and outcome.",
                                       {"service", "call", "outcome"})),
      kube_requests_(
          registry.counter("rotor_kube_requests_total",
                           "Kubernetes API requests by verb, resource and HTTP status code.",
                           {"verb", "resource", "code"})),
      ready_(registry.gauge("rotor_resource_ready_status",
                            "The Ready condition of each rotated resource: 1 for its status.",
                            {"kind", "namespace", "name", "condition"})),
      last_rotation_(registry.gauge("rotor_resource_last_rotation_timestamp_seconds",
                                    "Unix time of the resource's last rotation (or adoption).",
                                    kResourceLabels)),
      next_rotation_(registry.gauge(
          "rotor_resource_next_rotation_timestamp_seconds",
          "Unix time the resource's next rotation is due; kept while that rotation is late.",
          kResourceLabels)),
      locked_(registry.gauge("rotor_resource_locked",
                             "1 while the cloud locks the resource's password changes.",
                             kResourceLabels)),
      blocked_(registry.gauge("rotor_resource_blocked",
                              "1 while the resource waits for a person (status.blockedReason).",
                              kResourceLabels)) {
  registry.gauge("rotor_build_info", "rotor's version; always 1.", {"version"})
      .set({ROTOR_VERSION}, 1);
  leader_.set(0);
  depth_.set(0);
}

void OperatorMetrics::on_pass(const PassOutcome& outcome) {
  const std::string kind = kind_name(outcome.kind);
  ready_.set({kind, outcome.ns, outcome.name, "True"}, outcome.ready ? 1 : 0);
  ready_.set({kind, outcome.ns, outcome.name, "False"}, outcome.ready ? 0 : 1);
  const metrics::LabelValues resource = {kind, outcome.ns, outcome.name};
  if (outcome.record_known) {
    set_or_remove(last_rotation_, resource, outcome.last_rotation);
    set_or_remove(next_rotation_, resource, outcome.next_rotation);
    locked_.set(resource, outcome.locked ? 1 : 0);
    blocked_.set(resource, outcome.blocked ? 1 : 0);
  }
  if (outcome.rotated) {
    rotations_.inc({kind, "success"});
    if (outcome.rotation_seconds) rotation_duration_.observe({kind}, *outcome.rotation_seconds);
  } else if (outcome.cloud_call) {
    rotations_.inc({kind, "failure"});
  }
}

void OperatorMetrics::on_refused(ResourceKind kind, const std::string& ns, const std::string& name,
                                 const std::string& /*reason*/) {
  ready_.set({kind_name(kind), ns, name, "True"}, 0);
  ready_.set({kind_name(kind), ns, name, "False"}, 1);
}

void OperatorMetrics::on_reconciled(ResourceKind kind, bool error, double seconds) {
  reconciles_.inc({kind_name(kind), error ? "error" : "success"});
  duration_.observe({kind_name(kind)}, seconds);
}

void OperatorMetrics::on_deleted(ResourceKind kind, const std::string& ns,
                                 const std::string& name) {
  for (const char* condition : {"True", "False"})
    ready_.remove({kind_name(kind), ns, name, condition});
  const metrics::LabelValues resource = {kind_name(kind), ns, name};
  for (metrics::Gauge* g : {&last_rotation_, &next_rotation_, &locked_, &blocked_})
    g->remove(resource);
}

void OperatorMetrics::on_cloud_request(std::string_view service, std::string_view call,
                                       cloud::OutcomeKind outcome) {
  cloud_requests_.inc({std::string(service), std::string(call), outcome_label(outcome)});
}

void OperatorMetrics::on_queue_wait(double seconds) {
  queue_wait_.observe(seconds);
}

void OperatorMetrics::on_kube_request(std::string_view verb, std::string_view resource,
                                      std::string_view code) {
  kube_requests_.inc({std::string(verb), std::string(resource), std::string(code)});
}

void OperatorMetrics::set_leader(bool leading) {
  leader_.set(leading ? 1 : 0);
}

void OperatorMetrics::watch_queue(const runtime::WorkQueue& queue) {
  registry_.add_collector(
      [this, &queue] { depth_.set(static_cast<double>(queue.metrics().depth)); });
}

}  // namespace rotor::controller
