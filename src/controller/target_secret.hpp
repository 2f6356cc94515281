#pragma once
// The Secret a rotated resource writes to: reading its current and pending passwords, and
// the three writes of a rotation (pending in, commit, pending out), each a single
// optimistic-concurrency write so that a Secret never holds half a rotation.
#include <optional>

#include "controller/resource.hpp"
#include "kube/api.hpp"
#include "util/secret.hpp"

namespace rotor::controller {

class TargetSecret {
 public:
  TargetSecret(kube::Api& api, const RotatedResource& r) : api_(api), r_(r) {}

  // Reads the Secret; NotFound is not an error (exists() is then false).
  kube::Result<void> load();
  bool exists() const { return obj_.has_value(); }
  std::string resource_version() const;
  std::optional<Secret> current() const;
  std::optional<Secret> pending() const;

  // Writes `pending` under the pending key, creating the Secret when missing.
  kube::Result<void> put_pending(const Secret& pending);
  // current := `next`, previous := the old current (if any), pending removed.
  kube::Result<void> commit(const Secret& next);
  kube::Result<void> drop_pending();

 private:
  std::optional<Secret> value(const std::string& key) const;
  kube::Object base() const;  // the stored Secret, or a new one labelled as rotor's
  kube::Result<void> write(kube::Object obj);

  kube::Api& api_;
  const RotatedResource& r_;
  std::optional<kube::Object> obj_;
};

}  // namespace rotor::controller
