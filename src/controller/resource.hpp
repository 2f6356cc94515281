#pragma once
// A rotated resource (DcsInstance, DdmAccount, DmsInstance) read from its JSON into the
// fields the controller uses. The schema (crds/) already refuses most bad input; what it
// cannot check (a cron expression, a time zone, a password option against the policy) is
// checked here and reported on the resource's status.
#include <optional>
#include <string>

#include "cloud/password_api.hpp"
#include "kube/api.hpp"
#include "password/policy.hpp"
#include "rotation/record.hpp"
#include "schedule/schedule.hpp"

namespace rotor::controller {

enum class ResourceKind { kDcsInstance, kDdmAccount, kDmsInstance };
using DcsMethod = rotation::Method;

// Annotation that triggers one rotation per distinct value.
inline constexpr const char* kRotateNowAnnotation = "rotor.dev/rotate-now";
// Where rotor 0.1 kept a pending password inside the target Secret. Read once to migrate it
// into the rotation record (it may be in force in the cloud), removed at the next commit.
inline constexpr const char* kLegacyPendingKey = ".rotor-pending-password";
inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";

const kube::ResourceRef& resource_ref(ResourceKind kind);
const char* kind_name(ResourceKind kind);

struct RotatedStatus {
  std::optional<TimePoint> last_rotation;
  std::optional<TimePoint> locked_until;
  std::int64_t rotation_count = 0;
  std::string last_rotate_now;
  bool reset_unsupported = false;
  kube::Json conditions = kube::Json::array();
};

struct RotatedResource {
  ResourceKind kind = ResourceKind::kDcsInstance;
  std::string ns, name, uid;
  std::int64_t generation = 0;
  std::string account_name;
  bool cluster_account = false;
  cloud::InstanceRef instance;  // project id filled in from the account
  std::string username;         // DdmAccount
  cloud::DmsEngine engine = cloud::DmsEngine::kKafka;
  DcsMethod method = DcsMethod::kAuto;
  bool password_free = false;
  bool suspend = false;
  // rotation.firstRotation: Immediate rotates a password found in an adopted Secret at once;
  // AfterInterval (the default) counts it as rotated when adopted.
  bool first_rotation_immediate = false;
  std::string interval, cron, time_zone, jitter;
  password::Options password_options;
  std::string secret_name, password_key = "password", previous_key = "previous-password";
  std::string rotate_now;
  RotatedStatus status;

  password::Call policy_call() const;
};

// Reads `obj`; nullopt with `error` naming the field when it cannot be used.
std::optional<RotatedResource> parse_rotated(ResourceKind kind, const kube::Object& obj,
                                             std::string& error);

}  // namespace rotor::controller
