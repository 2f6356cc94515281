#pragma once
// RS256 JSON Web Tokens checked against a JWKS, as IAM checks a Kubernetes service-account
// token it is asked to exchange (the JWKS as kube-apiserver serves it at /openid/v1/jwks).
#include <optional>
#include <string>

#include "sim/spec.hpp"

namespace rotor::sim {

// The payload of `jwt` if its header says RS256 and its signature verifies with one of the
// RSA keys of `jwks` (the key named by the header's kid, else any); nullopt with `why` set
// otherwise. Claims are not checked here.
std::optional<Json> verify_rs256(const std::string& jwt, const std::string& jwks, std::string& why);

// Whether `jwks` is a JWKS with at least one usable RSA key; throws SpecError if not.
void check_jwks(const std::string& jwks);

}  // namespace rotor::sim
