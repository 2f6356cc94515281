#include "controller/operator.hpp"

#include "kube/json.hpp"

namespace rotor::controller {

Operator::Operator(kube::Api& api, Reconciler& reconciler, const Clock& clock, Logger& log,
                   OperatorOptions options)
    : api_(api), reconciler_(reconciler), log_(log), options_(std::move(options)), queue_(clock) {
  std::vector<std::string> namespaces = options_.namespaces;
  if (namespaces.empty()) namespaces.push_back("");  // all
  for (auto kind :
       {ResourceKind::kDcsInstance, ResourceKind::kDdmAccount, ResourceKind::kDmsInstance}) {
    for (const auto& ns : namespaces) {
      rotated_.push_back(std::make_unique<Informer>(
          api_, resource_ref(kind), ns,
          [this, kind](kube::EventType type, const kube::Object& obj) {
            // Deletions need no reconcile: the Secret is kept on purpose.
            if (type == kube::EventType::kDeleted) return;
            queue_.add(make_key(kind, kube::namespace_of(obj), kube::name_of(obj)));
          },
          log_, options_.informer));
    }
  }
  for (const auto& ns : namespaces) {
    accounts_.push_back(std::make_unique<Informer>(
        api_, kube::resources::kCloudAccounts, ns,
        [this](kube::EventType, const kube::Object& obj) {
          enqueue_all_in(kube::namespace_of(obj));
        },
        log_, options_.informer));
  }
  accounts_.push_back(std::make_unique<Informer>(
      api_, kube::resources::kClusterCloudAccounts, "",
      [this](kube::EventType, const kube::Object&) { enqueue_all_in(""); }, log_,
      options_.informer));
  pool_ = std::make_unique<WorkerPool>(queue_, options_.workers, [this](const std::string& key) {
    ResourceKind kind;
    std::string ns, name;
    if (!parse_key(key, kind, ns, name)) return Result::ok();
    return reconciler_.reconcile(kind, ns, name);
  });
}

void Operator::enqueue_all_in(const std::string& ns) {
  for (const auto& informer : rotated_) {
    for (const auto& obj : informer->items()) {
      if (!ns.empty() && kube::namespace_of(obj) != ns) continue;
      const std::string plural = kube::get_string(obj, {"kind"});
      for (auto kind :
           {ResourceKind::kDcsInstance, ResourceKind::kDdmAccount, ResourceKind::kDmsInstance}) {
        if (plural == kind_name(kind))
          queue_.add(make_key(kind, kube::namespace_of(obj), kube::name_of(obj)));
      }
    }
  }
}

void Operator::start() {
  if (started_) return;
  started_ = true;
  pool_->start();
  for (auto& i : accounts_) i->start();
  for (auto& i : rotated_) i->start();
  log_.info("operator started", {{"workers", std::to_string(options_.workers)}});
}

void Operator::stop() {
  if (!started_) return;
  started_ = false;
  for (auto& i : rotated_) i->stop();
  for (auto& i : accounts_) i->stop();
  pool_->stop();
  log_.info("operator stopped");
}

bool Operator::wait_synced(std::chrono::milliseconds timeout) const {
  for (const auto& i : rotated_) {
    if (!i->wait_synced(timeout)) return false;
  }
  return true;
}

}  // namespace rotor::controller
