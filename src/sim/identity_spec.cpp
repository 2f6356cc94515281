// The "oidc", "pod_identity" and "metadata" sections of a configuration (spec.hpp).
#include "sim/jwt.hpp"
#include "sim/spec.hpp"

namespace rotor::sim {
namespace {

std::string required_string(const Json& spec, const std::string& section, const std::string& key) {
  const Json* v = member(spec, key);
  if (!v || !v->is_string() || v->as_string().empty()) {
    throw SpecError("field '" + section + "." + key + "' must be a non-empty string");
  }
  return v->as_string();
}

Duration lifetime(const Json& spec, const std::string& section, const std::string& key,
                  Duration fallback) {
  const Json* v = member(spec, key);
  if (!v) return fallback;
  if (!v->is_integer() || v->as_integer() < 1 || v->as_integer() > 7 * 24 * 3600) {
    throw SpecError("field '" + section + "." + key + "' must be an integer in [1, 604800]");
  }
  return std::chrono::seconds(v->as_integer());
}

OidcProvider oidc(const Json& spec) {
  if (!spec.is_object()) throw SpecError("field 'oidc' must be a mapping");
  OidcProvider p;
  p.provider_id = required_string(spec, "oidc", "provider_id");
  p.issuer = required_string(spec, "oidc", "issuer");
  p.audience = required_string(spec, "oidc", "audience");
  const Json* subjects = member(spec, "subjects");
  if (!subjects || !subjects->is_array() || subjects->size() == 0) {
    throw SpecError("field 'oidc.subjects' must be a non-empty list");
  }
  for (const auto& s : subjects->as_array()) {
    if (!s.is_string()) throw SpecError("field 'oidc.subjects' must list strings");
    p.subjects.push_back(s.as_string());
  }
  const Json* jwks = member(spec, "jwks");
  if (!jwks) throw SpecError("field 'oidc.jwks' (or 'oidc.jwks_file') is required");
  p.jwks = jwks->is_string() ? jwks->as_string() : jwks->serialize();
  check_jwks(p.jwks);
  p.token_lifetime = lifetime(spec, "oidc", "token_lifetime_seconds", p.token_lifetime);
  return p;
}

}  // namespace

void apply_identity_spec(State& state, const Json& spec) {
  if (const Json* s = member(spec, "oidc")) state.oidc = oidc(*s);
  if (const Json* s = member(spec, "pod_identity")) {
    if (!s->is_object()) throw SpecError("field 'pod_identity' must be a mapping");
    PodIdentity p;
    p.token = Secret(required_string(*s, "pod_identity", "token"));
    p.lifetime = lifetime(*s, "pod_identity", "lifetime_seconds", p.lifetime);
    state.pod_identity = std::move(p);
  }
  if (const Json* s = member(spec, "metadata")) {
    if (!s->is_object()) throw SpecError("field 'metadata' must be a mapping");
    MetadataService m;
    m.lifetime = lifetime(*s, "metadata", "lifetime_seconds", m.lifetime);
    state.metadata = m;
  }
}

}  // namespace rotor::sim
