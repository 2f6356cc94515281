#pragma once
// The operator's RotationStore: a record Secret per resource ("rotor-record.<kind>.<name>",
// type rotor.dev/rotation-record) holds the rotation record with the pending password; the
// target Secret holds only what applications use (current and previous password).
//
// Why a Secret of its own rather than a hidden key in the target: whoever manages the
// target Secret (a person, Helm, Argo CD pruning) can delete or replace it between a call
// and its commit without taking the pending password with it; two resources writing keys of
// one Secret cannot see each other's pending password; and the target never holds a
// password the cloud has not confirmed. The record carries an ownerReference to its resource
// only while no password is in flight, so deleting a resource mid-rotation keeps the pending
// password (recreate the resource and rotor finishes the rotation).
//
// Each key of a target Secret is written by one resource: the target records its writers in
// the annotation rotor.dev/written-by ({"password":"DcsInstance/cache",...}) and a second
// resource naming a key someone else writes is refused (SecretKeyConflict). A target that
// exists must be marked for rotor; a service-account token or credentials Secret never is.
#include <optional>
#include <string>

#include "controller/resource.hpp"
#include "kube/api.hpp"
#include "rotation/store.hpp"

namespace rotor::controller {

inline constexpr const char* kRecordLabel = "rotor.dev/record-of";
inline constexpr const char* kWrittenByAnnotation = "rotor.dev/written-by";
inline constexpr const char* kRecordSecretType = "rotor.dev/rotation-record";

std::string record_secret_name(ResourceKind kind, const std::string& name);

class SecretStore final : public rotation::RotationStore {
 public:
  SecretStore(kube::Api& api, const RotatedResource& r) : api_(api), r_(r) {}

  std::optional<std::string> load(rotation::Snapshot& out) override;
  std::optional<std::string> save(const rotation::RotationRecord& record) override;
  std::optional<std::string> commit(const rotation::RotationRecord& record) override;

  // Set by load() when rotor must not touch the Secrets this resource names: another live
  // resource writes one of its keys (SecretKeyConflict), or the target or the record's name
  // is a Secret not marked for rotor (SecretNotManaged, see access/secret_marks.hpp).
  struct Refusal {
    std::string reason;
    std::string message;
  };
  const std::optional<Refusal>& refusal() const { return refusal_; }

 private:
  std::optional<std::string> check_claims(const kube::Object& target);
  kube::Object target_base() const;
  std::optional<std::string> write_target(const rotation::RotationRecord& record);
  // load() may have read the target from a cache; before the first record write of a pass
  // (every cloud call follows one) the target is read again from the server, so that no
  // change is sent with a "current" password someone has replaced meanwhile.
  std::optional<std::string> confirm_target_fresh();

  kube::Api& api_;
  const RotatedResource& r_;
  std::optional<kube::Object> record_obj_;
  std::optional<kube::Object> target_obj_;
  std::optional<Refusal> refusal_;
  bool migrated_legacy_ = false;
  bool target_confirmed_ = false;  // target_obj_ is what the server holds (see above)
};

}  // namespace rotor::controller
