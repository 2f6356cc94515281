#pragma once
// Carries out the rotation state machine (rotation.hpp) for one resource: observes the
// resource, its Secret and its cloud account, asks decide() what to do, does it, feeds
// cloud answers to react(), and writes status and Events. All I/O goes through
// interfaces (kube::Api, PasswordApi via AccountResolver, Clock, RandomSource), so unit
// tests run it against a FakeApi and an in-memory cloud.
#include <string>

#include "controller/accounts.hpp"
#include "controller/events.hpp"
#include "controller/resource.hpp"
#include "controller/worker_pool.hpp"
#include "kube/api.hpp"
#include "util/log.hpp"
#include "util/random.hpp"

namespace rotor::controller {

struct ReconcilerDeps {
  kube::Api& api;
  AccountResolver& accounts;
  const Clock& clock;
  RandomSource& random;
  EventRecorder& events;
  Logger& log;
};

class Reconciler {
 public:
  explicit Reconciler(ReconcilerDeps deps) : d_(deps) {}

  // One pass for the resource; the result says when to look again.
  Result reconcile(ResourceKind kind, const std::string& ns, const std::string& name);

  struct Pass;  // the state of one reconcile, defined in reconciler.cpp

 private:
  Result run(Pass& p);
  Result call_cloud(Pass& p, CallKind call);
  Result finish(Pass& p, const Plan& plan);
  Result refuse(const kube::Object& obj, ResourceKind kind, const std::string& reason,
                const std::string& message, bool retry);

  ReconcilerDeps d_;
};

// "dcsinstances/ns/name" <-> (kind, ns, name): the work queue's keys.
std::string make_key(ResourceKind kind, const std::string& ns, const std::string& name);
bool parse_key(const std::string& key, ResourceKind& kind, std::string& ns, std::string& name);

}  // namespace rotor::controller
