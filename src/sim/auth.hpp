#pragma once
// How the simulated API gateway authenticates a cloud call: an X-Auth-Token it issued, or
// an SDK-HMAC-SHA256 signature (api-notes "Request signing"), verified over the raw path,
// query and body exactly as received.
#include <optional>
#include <string>

#include "http/server.hpp"
#include "sim/handlers.hpp"
#include "sim/state.hpp"

namespace rotor::sim {

struct Principal {
  std::string name;        // "ak:<AK>" or "token:<user>", for the call log
  std::string project_id;  // the token's scope, or X-Project-Id (may be empty)
  bool by_token = false;
};

// The caller, or the 401 APIG.0301 to answer. Counts bad signatures per access key: more
// than 5 in a row lock the key for 5 minutes (a correct signature is refused meanwhile).
struct AuthResult {
  std::optional<Principal> principal;
  Outcome failure;
  std::string claimed;  // who the refused request said it was, for the call log
};
AuthResult authenticate(const http::ServerRequest& request, State& state, TimePoint now);

}  // namespace rotor::sim
