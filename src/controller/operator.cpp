#include "controller/operator.hpp"

#include <algorithm>
#include <cctype>

#include "controller/secret_store.hpp"
#include "kube/json.hpp"

namespace rotor::controller {
namespace {

// Indexes of the resource informers: the target Secret ("ns/name") a resource writes, and the
// instance it rotates (instance_key()), so that a Secret event or the duplicate check looks
// up its few resources instead of copying every cached one.
const std::string kSecretIndex = "secret";
const std::string kInstanceIndex = "instance";

constexpr ResourceKind kRotatedKinds[] = {ResourceKind::kDcsInstance, ResourceKind::kDdmAccount,
                                          ResourceKind::kDmsInstance};

// The queue tells the observer how long each key waited for a worker.
runtime::WorkQueueOptions queue_options(OperatorObserver* observer) {
  runtime::WorkQueueOptions options;
  if (observer != nullptr) {
    options.on_handed_out = [observer](Duration waited) {
      observer->on_queue_wait(std::chrono::duration<double>(waited).count());
    };
  }
  return options;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Operator::Operator(kube::Api& api, Reconciler& reconciler, const Clock& clock, Logger& log,
                   OperatorOptions options)
    : Operator(
          api,
          [&reconciler](ResourceKind kind, const std::string& ns, const std::string& name) {
            return reconciler.reconcile(kind, ns, name);
          },
          clock, log, std::move(options)) {}

Operator::Operator(kube::Api& api, Reconcile reconcile, const Clock& clock, Logger& log,
                   OperatorOptions options)
    : api_(api),
      reconcile_(std::move(reconcile)),
      log_(log),
      options_(std::move(options)),
      queue_(clock, queue_options(options_.observer)) {
  std::vector<std::string> namespaces = options_.namespaces;
  if (namespaces.empty()) namespaces.push_back("");  // all
  for (auto kind : kRotatedKinds) {
    // The echo of rotor's own status writes wakes nothing (see runtime/change_filter.hpp).
    auto changes = std::make_shared<runtime::ChangeFilter>();
    runtime::InformerOptions indexed = options_.informer;
    indexed.indexers[kSecretIndex] = [](const kube::Object& o) {
      return std::vector<std::string>{kube::namespace_of(o) + "/" +
                                      kube::get_string(o, {"spec", "secret", "name"})};
    };
    indexed.indexers[kInstanceIndex] = [kind](const kube::Object& o) {
      return std::vector<std::string>{instance_key(kind, o)};
    };
    for (const auto& ns : namespaces) {
      rotated_.push_back({kind, ns,
                          std::make_unique<runtime::Informer>(
                              api_, clock, resource_ref(kind), ns,
                              [this, kind, changes](kube::EventType type, const kube::Object& obj) {
                                const bool worth = changes->worth_reconcile(type, obj);
                                // Deletions need no reconcile: the Secret is kept on purpose.
                                if (type == kube::EventType::kDeleted) {
                                  if (options_.observer != nullptr)
                                    options_.observer->on_deleted(kind, kube::namespace_of(obj),
                                                                  kube::name_of(obj));
                                  return;
                                }
                                if (worth)
                                  queue_.add(
                                      make_key(kind, kube::namespace_of(obj), kube::name_of(obj)));
                              },
                              log_, indexed)});
    }
  }
  for (const auto& ns : namespaces) {
    accounts_.push_back({&kube::resources::kCloudAccounts, ns,
                         std::make_unique<runtime::Informer>(
                             api_, clock, kube::resources::kCloudAccounts, ns,
                             [this](kube::EventType, const kube::Object& obj) {
                               enqueue_all_in(kube::namespace_of(obj));
                             },
                             log_, options_.informer)});
  }
  accounts_.push_back({&kube::resources::kClusterCloudAccounts, "",
                       std::make_unique<runtime::Informer>(
                           api_, clock, kube::resources::kClusterCloudAccounts, "",
                           [this](kube::EventType, const kube::Object&) { enqueue_all_in(""); },
                           log_, options_.informer)});
  runtime::InformerOptions managed = options_.informer;
  managed.label_selector = kManagedSecretSelector;
  for (const auto& ns : namespaces) {
    // Deletions too: a deleted target or record is something to repair.
    secrets_.push_back(std::make_unique<runtime::Informer>(
        api_, clock, kube::resources::kSecrets, ns,
        [this](kube::EventType, const kube::Object& obj) { enqueue_for_secret(obj); }, log_,
        managed));
    managed_secrets_.emplace_back(ns, secrets_.back().get());
  }
  // Credentials marked for rotor: a fixed or rotated key wakes every resource at once (the
  // AuthGate lets new credentials through), instead of at the next requeue.
  runtime::InformerOptions credentials = options_.informer;
  credentials.label_selector = kCredentialsSecretSelector;
  for (const auto& ns : options_.credential_namespaces) {
    secrets_.push_back(std::make_unique<runtime::Informer>(
        api_, clock, kube::resources::kSecrets, ns,
        [this](kube::EventType, const kube::Object&) { enqueue_all_in(""); }, log_, credentials));
  }
  pool_ = std::make_unique<runtime::WorkerPool>(
      queue_, options_.workers, [this](const std::string& key) { return reconcile_key(key); },
      options_.max_workers, options_.may_grow);
}

runtime::Result Operator::reconcile_key(const std::string& key) {
  ResourceKind kind;
  std::string ns, name;
  if (!parse_key(key, kind, ns, name)) return runtime::Result::ok();
  OperatorObserver* observer = options_.observer;
  if (observer == nullptr) return reconcile_(kind, ns, name);
  // Real time, not the Clock's: this measures work, not schedules.
  const auto began = std::chrono::steady_clock::now();
  const auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  };
  try {
    runtime::Result result = reconcile_(kind, ns, name);
    observer->on_reconciled(kind, result.error, seconds());
    return result;
  } catch (...) {
    observer->on_reconciled(kind, true, seconds());
    throw;  // the pool logs and retries it
  }
}

void Operator::enqueue_all_in(const std::string& ns) {
  for (const auto& [kind, watched_ns, informer] : rotated_) {
    for (const auto& [obj_ns, obj_name] : informer->keys()) {
      if (!ns.empty() && obj_ns != ns) continue;
      queue_.add(make_key(kind, obj_ns, obj_name));
    }
  }
}

void Operator::enqueue_for_secret(const kube::Object& secret) {
  const std::string ns = kube::namespace_of(secret);
  const std::string name = kube::name_of(secret);
  // A rotation record names its resource: "<kind-lowercase>.<name>" in a label, or in an
  // annotation of the same key when that is too long for a label value.
  std::string of = kube::get_string(secret, {"metadata", "labels", kRecordLabel});
  if (of.empty()) of = kube::get_string(secret, {"metadata", "annotations", kRecordLabel});
  if (const auto dot = of.find('.'); dot != std::string::npos && dot + 1 < of.size()) {
    for (auto kind : kRotatedKinds) {
      if (of.compare(0, dot, lower(kind_name(kind))) == 0)
        queue_.add(make_key(kind, ns, of.substr(dot + 1)));
    }
  }
  // A target Secret: the resources of its namespace whose spec.secret.name is its name.
  for (const auto& [kind, watched_ns, informer] : rotated_) {
    for (const auto& obj : informer->by_index(kSecretIndex, ns + "/" + name))
      queue_.add(make_key(kind, ns, kube::name_of(obj)));
  }
}

std::vector<const runtime::Informer*> Operator::informers() const {
  std::vector<const runtime::Informer*> all;
  for (const auto& r : rotated_) all.push_back(r.informer.get());
  for (const auto& a : accounts_) all.push_back(a.informer.get());
  for (const auto& i : secrets_) all.push_back(i.get());
  return all;
}

void Operator::start() {
  start_informers();
  start_workers();
}

void Operator::start_informers() {
  if (informers_started_) return;
  informers_started_ = true;
  for (auto& a : accounts_) a.informer->start();
  for (auto& i : secrets_) i->start();
  for (auto& r : rotated_) r.informer->start();
  log_.info("informers started");
}

void Operator::start_workers() {
  std::lock_guard lock(workers_mu_);  // the elector's thread against a stop from main
  if (workers_started_) return;
  workers_started_ = true;
  pool_->start();
  log_.info("workers started", {{"workers", std::to_string(options_.workers)}});
}

void Operator::stop_workers() {
  std::lock_guard lock(workers_mu_);
  const bool running = pool_->running();
  workers_started_ = true;  // a stopped pool never starts (even if it never ran)
  if (!running) return;
  pool_->stop();
  log_.info("workers stopped");
}

void Operator::stop() {
  stop_workers();
  if (!informers_started_) return;
  informers_started_ = false;
  for (auto& r : rotated_) r.informer->stop();
  for (auto& i : secrets_) i->stop();
  for (auto& a : accounts_) a.informer->stop();
  log_.info("operator stopped");
}

bool Operator::synced() const {
  for (const runtime::Informer* i : informers()) {
    if (!i->synced()) return false;
  }
  return true;
}

bool Operator::wait_synced(std::chrono::milliseconds timeout) const {
  for (const runtime::Informer* i : informers()) {
    if (!i->wait_synced(timeout)) return false;
  }
  return true;
}

std::optional<std::vector<kube::Object>> Operator::peers(ResourceKind kind,
                                                         const std::string& instance_key) const {
  std::vector<kube::Object> all;
  for (const auto& r : rotated_) {
    if (r.kind != kind) continue;
    if (!r.informer->synced()) return std::nullopt;
    auto items = r.informer->by_index(kInstanceIndex, instance_key);
    all.insert(all.end(), std::make_move_iterator(items.begin()),
               std::make_move_iterator(items.end()));
  }
  return all;
}

const runtime::Informer* Operator::informer_for(const kube::ResourceRef& r,
                                                const std::string& ns) const {
  for (const auto& ri : rotated_) {
    if (resource_ref(ri.kind) == r && (ri.ns.empty() || ri.ns == ns)) return ri.informer.get();
  }
  for (const auto& a : accounts_) {
    if (*a.ref == r && (!r.namespaced || a.ns.empty() || a.ns == ns)) return a.informer.get();
  }
  if (r == kube::resources::kSecrets) {
    for (const auto& [watched, informer] : managed_secrets_) {
      if (watched.empty() || watched == ns) return informer;
    }
  }
  return nullptr;
}

}  // namespace rotor::controller
