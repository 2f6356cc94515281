#pragma once
// Reconciles one rotated resource: reads it, checks what the engine cannot (spec, schedule,
// password policy, account, another resource naming the same instance), runs one pass of
// the rotation engine (rotation/engine.hpp) over the resource's SecretStore, and writes what
// the pass reported to status, Events and the log. Data flows one way: resource -> Intent ->
// engine -> Report -> status. All I/O goes through interfaces (kube::Api, PasswordApi via
// AccountResolver, Clock, RandomSource), so tests and the simulation run it in memory.
#include <functional>
#include <string>
#include <vector>

#include "controller/accounts.hpp"
#include "controller/events.hpp"
#include "controller/observer.hpp"
#include "controller/resource.hpp"
#include "kube/api.hpp"
#include "rotation/engine.hpp"
#include "runtime/worker_pool.hpp"
#include "util/log.hpp"
#include "util/random.hpp"

namespace rotor::controller {

// Two resources name the same instance when they use the same account for the same
// service, instance and user. Read from the raw object, so that a peer whose spec is invalid
// right now (a typo being fixed) keeps its claim instead of handing the instance to a younger
// resource.
std::string instance_key(ResourceKind kind, const kube::Object& o);

// The resources of one kind whose instance_key() is the given one (all watched namespaces);
// the operator answers from an index of its informer caches. nullopt: not known now (a cache
// not synced), and the resource waits; an empty function skips the check.
using PeerLister = std::function<std::optional<std::vector<kube::Object>>(
    ResourceKind, const std::string& instance_key)>;
// A PeerLister that lists the kind from `api` in all namespaces and filters (no cache: one
// list per call); `api` must outlive it.
PeerLister list_peers(kube::Api& api);

struct ReconcilerDeps {
  kube::Api& api;
  AccountResolver& accounts;
  const Clock& clock;
  RandomSource& random;
  EventRecorder& events;
  Logger& log;
  PeerLister peers = {};
  OperatorObserver* observer = nullptr;  // optional: told each pass's outcome
};

class Reconciler {
 public:
  explicit Reconciler(ReconcilerDeps deps) : d_(std::move(deps)) {}

  // One pass for the resource; the result says when to look again.
  runtime::Result reconcile(ResourceKind kind, const std::string& ns, const std::string& name);

 private:
  runtime::Result refuse(const kube::Object& obj, ResourceKind kind, const std::string& reason,
                         const std::string& message, bool retry);
  // Another resource that keeps the instance, "" when none, nullopt when it cannot be told.
  std::optional<std::string> duplicate_of(const RotatedResource& r, const kube::Object& obj);
  runtime::Result report(const kube::Object& obj, const RotatedResource& r,
                         const rotation::Report& rep);

  ReconcilerDeps d_;
  rotation::RecordMemo memo_;
};

// "dcsinstances/ns/name" <-> (kind, ns, name): the work queue's keys.
std::string make_key(ResourceKind kind, const std::string& ns, const std::string& name);
bool parse_key(const std::string& key, ResourceKind& kind, std::string& ns, std::string& name);

}  // namespace rotor::controller
