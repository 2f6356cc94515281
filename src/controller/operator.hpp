#pragma once
// Wires the parts of the operator together, each with its own start/stop:
//   informers (one per rotated kind and namespace, plus cloud accounts)
//     -> work queue (keys "dcsinstances/ns/name")
//     -> worker pool -> Reconciler -> requeue decision back into the queue.
// Leader election, metrics and health endpoints slot in here without touching the parts.
#include <memory>
#include <string>
#include <vector>

#include "controller/informer.hpp"
#include "controller/reconciler.hpp"
#include "controller/worker_pool.hpp"
#include "controller/workqueue.hpp"

namespace rotor::controller {

struct OperatorOptions {
  std::vector<std::string> namespaces;  // empty: all namespaces
  std::size_t workers = 2;
  InformerOptions informer;
};

class Operator {
 public:
  Operator(kube::Api& api, Reconciler& reconciler, const Clock& clock, Logger& log,
           OperatorOptions options);
  ~Operator() { stop(); }

  void start();
  void stop();
  bool wait_synced(std::chrono::milliseconds timeout) const;
  WorkQueue& queue() { return queue_; }

 private:
  void enqueue_all_in(const std::string& ns);  // after a cloud account changed

  kube::Api& api_;
  Reconciler& reconciler_;
  Logger& log_;
  OperatorOptions options_;
  WorkQueue queue_;
  std::unique_ptr<WorkerPool> pool_;
  std::vector<std::unique_ptr<Informer>> rotated_;   // the rotated kinds
  std::vector<std::unique_ptr<Informer>> accounts_;  // CloudAccounts, ClusterCloudAccounts
  bool started_ = false;
};

}  // namespace rotor::controller
