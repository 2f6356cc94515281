#include "runtime/change_filter.hpp"

#include "kube/json.hpp"

namespace rotor::runtime {

namespace {

std::string fingerprint(const kube::Object& obj) {
  std::string fp = std::to_string(kube::get_int(obj, {"metadata", "generation"}));
  for (const char* field : {"labels", "annotations"}) {
    fp += '|';
    if (const auto* v = kube::find(obj, {"metadata", field})) fp += kube::dump(*v);
  }
  fp += '|' + kube::get_string(obj, {"metadata", "deletionTimestamp"});
  return fp;
}

}  // namespace

bool ChangeFilter::worth_reconcile(kube::EventType type, const kube::Object& obj) {
  const std::string key = kube::namespace_of(obj) + "/" + kube::name_of(obj);
  std::lock_guard lock(mu_);
  if (type == kube::EventType::kDeleted) {
    seen_.erase(key);
    return false;
  }
  std::string fp = fingerprint(obj);
  auto [it, first] = seen_.try_emplace(key, fp);
  if (first) return true;
  if (it->second == fp) return false;
  it->second = std::move(fp);
  return true;
}

}  // namespace rotor::runtime
