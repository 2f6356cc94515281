#pragma once
// Which simulated call a request is, from its method and raw path.
#include <optional>
#include <string>
#include <string_view>

#include "sim/state.hpp"

namespace rotor::sim {

enum class Action {
  kIamToken,     // POST /v3/auth/tokens
  kDcsReset,     // POST /v2/{project_id}/instances/{instance_id}/password/reset   (doc 000/002)
  kDcsChange,    // PUT  /v2/{project_id}/instances/{instance_id}/password         (doc 001)
  kDcsShow,      // GET  /v2/{project_id}/instances/{instance_id}                  (ShowInstance)
  kDdmReset,     // POST /v3/{project_id}/instances/{instance_id}/users/{username}/password (003)
  kDdmResetV2,   // POST /v2/.../users/{username}/password, the older call the SDKs still have
  kDmsReset,     // POST /v2/{project_id}/instances/{instance_id}/password         (doc 004)
  kIamIdToken,   // POST /v3.0/OS-AUTH/id-token/tokens (OIDC federation)
  kPodIdentity,  // POST /pod-identity/credentials (the CCE Pod Identity agent)
  kMetadataSecurityKey,  // GET /openstack/latest/securitykey (the ECS metadata service)
};
const char* to_string(Action a);

struct Route {
  Action action = Action::kIamToken;
  // Path parameters, percent-decoded (the signature was checked over the raw path).
  std::string project_id;
  std::string instance_id;
  std::string username;
};

// nullopt: no such API (the gateway's 404 APIG.0101).
std::optional<Route> match_route(std::string_view method, std::string_view raw_path);

// Calls that hand out credentials (IAM, Pod Identity, metadata): not gateway-authenticated
// and outside the faults.
bool issues_credentials(Action a);
// Whether the call sets a password (busy and drop faults apply only to those).
bool sets_password(Action a);
// Whether an instance of `s` answers `a`; a mismatch is that service's "no such instance".
bool serves(Action a, Service s);

}  // namespace rotor::sim
