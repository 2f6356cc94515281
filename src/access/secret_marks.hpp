#pragma once
// Which Secrets rotor may read and write on a resource's behalf. Anyone who may create a
// rotor resource could otherwise use rotor as a deputy: name any Secret key as the target
// (rotor overwrites it, or sends it to the cloud as the "current" password), or as an
// account's credentials (rotor sends it to the IAM endpoint). So:
// - a target Secret is one rotor created (it carries app.kubernetes.io/managed-by=rotor), or
//   one a person opted in with that label; never a service-account token, never a
//   credentials Secret;
// - a Secret an account names (credentials, CA bundle) carries rotor.dev/credentials=true.
// Both marks need write access to the Secret, which the deputy lacks.
#include <optional>
#include <string>

#include "kube/api.hpp"
#include "kube/json.hpp"

namespace rotor::access {

inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kCredentialsLabel = "rotor.dev/credentials";
inline constexpr const char* kServiceAccountTokenType = "kubernetes.io/service-account-token";

// nullopt when rotor may read and write `secret` as the target of `owner` ("DcsInstance/x");
// `written_by_owner` is true when its rotor.dev/written-by annotation names `owner` (a
// Secret rotor wrote before the label existed).
std::optional<std::string> target_refusal(const kube::Object& secret, bool written_by_owner);

// nullopt when an account may name `secret` for credentials or a CA bundle.
std::optional<std::string> account_secret_refusal(const kube::Object& secret);

}  // namespace rotor::access
