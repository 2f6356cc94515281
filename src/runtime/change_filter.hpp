#pragma once
// Which watch events of a controlled object are worth a reconcile: the first sight of it and
// changes to what a person edits (its generation, i.e. the spec; labels; annotations; the
// start of its deletion). A controller's own status writes change none of these, so the
// reconcile each would trigger, which would find nothing to do, is skipped; so are the
// unchanged objects a relist delivers again.
#include <mutex>
#include <string>
#include <unordered_map>

#include "kube/api.hpp"

namespace rotor::runtime {

class ChangeFilter {
 public:
  // Remembers what it saw; a deletion forgets the object and is not worth a reconcile here.
  bool worth_reconcile(kube::EventType type, const kube::Object& obj);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::string> seen_;  // "namespace/name" -> fingerprint
};

}  // namespace rotor::runtime
