#pragma once
// The simulator's setup vocabulary in JSON, shared by the admin API (/_sim/...) and the
// YAML config file (converted to JSON first), and the JSON views the admin API answers.
#include <stdexcept>
#include <string>

#include "sim/state.hpp"
#include "util/json.hpp"

namespace rotor::sim {

using Json = rotor::Json;

// A setup document broke a rule; what() names the field (never a secret's value).
class SpecError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Instance fields: service (dcs|ddm|kafka|rabbitmq), project_id, name, password,
// password_free, doc_version, change_doc_version, reset_unsupported, users ({name: password}
// or [{name, password}]), engine_version, redis_host, redis_port, faults, unlock (true clears
// the DCS lockout). `creating` requires service and project_id and fills in the defaults;
// an update changes only the fields present. Throws SpecError.
void apply_instance_spec(Instance& inst, const Json& spec, bool creating);

// Fault fields as in Faults; absent fields keep their value. Throws SpecError.
void apply_faults_spec(Faults& faults, const Json& spec);

// {"access_keys": [{ak, sk, security_token?}], "iam_users": [{name, password, domain}]}.
// Adds or replaces. Throws SpecError.
void apply_credentials_spec(State& state, const Json& spec);

// Optional sections, each replacing what was set before (identity_spec.cpp):
//   "oidc": {provider_id, issuer, audience, subjects: [...], jwks: {JWKS} or "<JWKS text>",
//            token_lifetime_seconds (default 86400)}
//   "pod_identity": {token, lifetime_seconds (default 3600)}
//   "metadata": {lifetime_seconds (default 3600)}
// Absent sections leave their endpoint as it was (by default: not there). Throws SpecError.
void apply_identity_spec(State& state, const Json& spec);

Json instance_view(const Instance& inst, TimePoint now);  // includes the passwords
Json faults_view(const Faults& faults);
Json credentials_view(const State& state, TimePoint now);  // never a key or a password
Json call_view(const CallRecord& call);

// A request body for the call log: every string member whose name mentions a password, a
// secret, a key or a token, and every string inside a member named "...token", becomes
// "<redacted N chars>"; a body that is not JSON becomes "<N bytes>".
std::string redact_body(const std::string& body);

// Small JSON helpers for the handlers. Parsing never throws.
bool parse_object(const std::string& text, Json& out);
// The member if present and not null, else nullptr.
const Json* member(const Json& object, const std::string& key);

}  // namespace rotor::sim
