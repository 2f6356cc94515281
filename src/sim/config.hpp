#pragma once
// rotor-cloudsim's YAML configuration, read into the JSON documents the admin API takes:
//
//   seed: 42
//   access_keys:
//     - {ak: AK1, sk_file: ak1.sk}          # or sk: ..., plus security_token: ...
//   iam_users:
//     - {name: rotor, password: "...", domain: acme}
//   faults: {latency_ms: 0, throttle_next: 0}
//   # The gateway's rate limit: 20 calls/s, bursts of 20, 429 APIG.0308 beyond (with
//   # Retry-After only when asked for: the documents do not name one). GET /_sim/rate_limit
//   # counts calls passed and throttled.
//   # faults: {rate_limit_per_s: 20, rate_limit_burst: 20, rate_limit_retry_after: false}
//   instances:
//     - {id: dcs-1, service: dcs, project_id: p1, password: "...", doc_version: dcs-reset-002}
//   # Optional: credentials without a static AK/SK (spec.hpp apply_identity_spec).
//   oidc:                    # POST /v3.0/OS-AUTH/id-token/tokens
//     provider_id: rotor-idp            # expected X-Idp-Id
//     issuer: https://kubernetes.default.svc.cluster.local
//     audience: rotor                   # must be among the JWT's aud
//     subjects: [system:serviceaccount:rotor-system:rotor]
//     jwks_file: jwks.json              # kube-apiserver's /openid/v1/jwks (or jwks: {...})
//     token_lifetime_seconds: 86400
//   pod_identity:            # POST /pod-identity/credentials
//     token_file: pod-identity.token    # expected Authorization header (or token: ...)
//     lifetime_seconds: 3600
//   metadata:                # GET /openstack/latest/securitykey
//     lifetime_seconds: 3600
#include <string>

#include <yaml-cpp/yaml.h>

#include "sim/spec.hpp"

namespace rotor::sim {

// YAML to JSON. Scalars stay strings (a password of digits must not become a number),
// except under the keys whose values are numbers or booleans (redis_port, *_rate, *_next,
// latency_ms, busy_calls, password_free, reset_unsupported, unlock, seed, *lifetime_seconds).
Json yaml_to_json(const YAML::Node& node);

// Reads `path`; `sk_file` entries are read (relative to the file's directory) into `sk`.
// Throws SpecError naming the problem.
Json load_config_file(const std::string& path);

// A secret from a file: its content without the trailing newline. Throws SpecError.
std::string read_secret_file(const std::string& path);

}  // namespace rotor::sim
