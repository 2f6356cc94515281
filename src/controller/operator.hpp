#pragma once
// Wires the parts of the operator together, each with its own start/stop:
//   informers (one per rotated kind and namespace, plus cloud accounts and rotor's Secrets)
//     -> work queue (keys "dcsinstances/ns/name")
//     -> worker pool -> Reconciler -> requeue decision back into the queue.
// With leader election (runtime/leader_election.hpp, wired by `rotor run`) the informers
// start on every replica, so a standby's caches are warm and it is ready; only the leader
// starts the worker pool. Keys a standby's informers queue wait, deduplicated, for the pool.
// Losing leadership stops the pool for good (the process exits and returns as a standby).
// Metrics see reconciles, pass outcomes and queue waits through an OperatorObserver
// (observer.hpp).
//
// What wakes a resource: a change of the resource itself; a change of a cloud account (all
// resources that may use it); a change of a Secret rotor manages (label
// app.kubernetes.io/managed-by=rotor), so that a Secret fixed or deleted by hand is seen at
// once rather than at the next rotation: a target Secret wakes the resources of its
// namespace that name it in spec.secret.name, a rotation record the resource its
// rotor.dev/record-of label names ("dcsinstance.cache").
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/observer.hpp"
#include "controller/reconciler.hpp"
#include "runtime/change_filter.hpp"
#include "runtime/informer.hpp"
#include "runtime/worker_pool.hpp"
#include "runtime/workqueue.hpp"

namespace rotor::controller {

// The Secrets rotor writes, targets and rotation records alike.
inline constexpr const char* kManagedSecretSelector = "app.kubernetes.io/managed-by=rotor";

// Secrets holding cloud credentials (access/secret_marks.hpp).
inline constexpr const char* kCredentialsSecretSelector = "rotor.dev/credentials=true";

struct OperatorOptions {
  std::vector<std::string> namespaces;  // empty: all namespaces
  std::size_t workers = 2;              // reconciles at once while the queue keeps up
  std::size_t max_workers = 2;          // at most, while keys wait (runtime/worker_pool.hpp)
  std::function<bool(std::size_t threads)> may_grow;  // optional: the WorkerPool's veto
  runtime::InformerOptions informer;
  // Where credential Secrets are watched: the watched namespaces plus those a
  // ClusterCloudAccount names ("" alone: all namespaces). Empty: not watched.
  std::vector<std::string> credential_namespaces;
  OperatorObserver* observer = nullptr;  // optional: told of every reconcile and queue wait
};

class Operator {
 public:
  using Reconcile = std::function<runtime::Result(ResourceKind kind, const std::string& ns,
                                                  const std::string& name)>;

  Operator(kube::Api& api, Reconciler& reconciler, const Clock& clock, Logger& log,
           OperatorOptions options);
  // Reconciles through a function instead of a Reconciler (tests of the wiring).
  Operator(kube::Api& api, Reconcile reconcile, const Clock& clock, Logger& log,
           OperatorOptions options);
  ~Operator() { stop(); }

  // start_informers() then start_workers().
  void start();
  // Informers only: caches fill and keys queue up, nothing is reconciled yet (a standby).
  void start_informers();
  // The worker pool (on becoming leader). Once only.
  void start_workers();
  // Stops taking work: reconciles in flight finish, queued keys are dropped, and the pool
  // never restarts. Idempotent.
  void stop_workers();
  // Everything: workers, then informers.
  void stop();
  // True once every informer has loaded its first list.
  bool synced() const;
  bool wait_synced(std::chrono::milliseconds timeout) const;
  runtime::WorkQueue& queue() { return queue_; }
  // Every cached resource of `kind` (all watched namespaces), for the duplicate-instance
  // check; nullopt until those caches have synced.
  // The resources of `kind` naming the instance `instance_key` (reconciler.hpp).
  std::optional<std::vector<kube::Object>> peers(ResourceKind kind,
                                                 const std::string& instance_key) const;
  // The informer caching objects of `r` in namespace `ns` (rotated kinds, cloud accounts,
  // and Secrets labelled as rotor's), or null: what runtime::CachedReads serves reads from.
  const runtime::Informer* informer_for(const kube::ResourceRef& r, const std::string& ns) const;

 private:
  struct RotatedInformer {
    ResourceKind kind;
    std::string ns;  // "" for all namespaces
    std::unique_ptr<runtime::Informer> informer;
  };

  void enqueue_all_in(const std::string& ns);           // after a cloud account changed
  void enqueue_for_secret(const kube::Object& secret);  // after a managed Secret changed
  std::vector<const runtime::Informer*> informers() const;
  runtime::Result reconcile_key(const std::string& key);

  kube::Api& api_;
  Reconcile reconcile_;
  Logger& log_;
  OperatorOptions options_;
  runtime::WorkQueue queue_;
  std::unique_ptr<runtime::WorkerPool> pool_;
  std::vector<RotatedInformer> rotated_;  // the rotated kinds
  struct AccountInformer {
    const kube::ResourceRef* ref;
    std::string ns;
    std::unique_ptr<runtime::Informer> informer;
  };
  std::vector<AccountInformer> accounts_;  // CloudAccounts per namespace, ClusterCloudAccounts
  std::vector<std::unique_ptr<runtime::Informer>> secrets_;  // managed and credential Secrets
  // The managed-Secret informers among secrets_, by namespace ("" for all).
  std::vector<std::pair<std::string, const runtime::Informer*>> managed_secrets_;
  bool informers_started_ = false;
  std::mutex workers_mu_;
  bool workers_started_ = false;
};

}  // namespace rotor::controller
