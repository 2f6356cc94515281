#pragma once
// The simulated calls, one function each, and the error bodies of each service. Handlers
// run with the simulator's lock held, after routing, authentication, the instance lookup
// and the faults that answer in place of the service.
#include <functional>
#include <string>

#include "http/server.hpp"
#include "sim/router.hpp"
#include "sim/spec.hpp"
#include "sim/state.hpp"

namespace rotor::sim {

// Pushes a password to the real Redis behind a DCS instance: authenticate with `current`
// (nullptr: the instance is password-free), then make `next` the password ("" removes it).
// Returns "" on success, else why not (never a password). Replaceable for unit tests.
using RedisSetter = std::function<std::string(const std::string& host, int port,
                                              const Secret* current, const Secret& next)>;

struct CallContext {
  const http::ServerRequest& request;
  const Route& route;
  State& state;
  const Clock& clock;
  Instance* instance;  // the path's instance, of the right service; nullptr for IAM
  const RedisSetter& redis;
};

struct Outcome {
  http::ServerReply reply;
  std::string outcome;  // for the call log: "success", a result, or an error code
};

Outcome json_outcome(int status, const Json& body, std::string outcome);
// API gateway errors (APIG.*): {"error_code", "error_msg"}.
Outcome gateway_error(int status, const std::string& code, const std::string& msg);
// A service's own error body: DCS and DMS {"error_code", "error_msg"}; DDM {"errCode",
// "externalMessage"} (api-notes "How the calls answer").
Outcome service_error(Service s, int status, const std::string& code, const std::string& msg);
// IAM (Keystone) errors: {"error": {"code", "message", "title"}}.
Outcome keystone_error(int status, const std::string& title, const std::string& message,
                       std::string outcome);
// IAM writes microseconds: "2026-11-24T18:22:00.000000Z".
std::string iam_time(TimePoint t);
// `bytes` random bytes as hex (tokens, temporary keys).
std::string random_hex(std::size_t bytes);
std::string new_iam_token();
// "No such instance", as each service says it.
Outcome not_found(Action a);

Outcome dcs_reset(CallContext& c);
Outcome dcs_change(CallContext& c);
Outcome dcs_show(CallContext& c);
Outcome ddm_reset(CallContext& c);
Outcome dms_reset(CallContext& c);
Outcome iam_token(CallContext& c);
// identity.cpp: OIDC federation, Pod Identity and ECS metadata credentials.
Outcome iam_id_token(CallContext& c);
Outcome pod_identity_credentials(CallContext& c);
Outcome metadata_security_key(CallContext& c);

}  // namespace rotor::sim
