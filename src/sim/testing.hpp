#pragma once
// Requests as a client would send them, for driving a Simulator in-process (unit tests,
// benchmarks): signed with rotor's own signer (itself checked against the official SDK's
// vectors), and split into the raw form the server hands to Simulator::handle.
#include <string>

#include "cloud/signer.hpp"
#include "http/server.hpp"

namespace rotor::sim::testing {

// `target` is path[?query], sent as is. Host "sim.test"; JSON bodies get a content type.
http::ServerRequest request(const std::string& method, const std::string& target,
                            const std::string& body = "", const http::Headers& headers = {});

// The same, signed SDK-HMAC-SHA256 by `key` at `clock`'s time; `project_id` non-empty adds
// X-Project-Id (signed) as the SDKs do.
http::ServerRequest signed_request(const std::string& method, const std::string& target,
                                   const std::string& body, const cloud::AccessKey& key,
                                   const Clock& clock, const std::string& project_id = "");

}  // namespace rotor::sim::testing
