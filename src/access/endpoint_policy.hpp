#pragma once
// Where rotor may send a request that carries credentials. A tenant who may create a
// CloudAccount sets its endpoint overrides; without this check they could point IAM at their
// own host and receive an IAM user's password, or the DCS endpoint and receive the current
// password of a change. So an override must be https:// and inside the cloud's own domains,
// unless the operator (not a tenant) allows a host with --allowed-endpoint-host.
#include <optional>
#include <string>
#include <vector>

namespace rotor::access {

struct EndpointPolicy {
  // Hosts an operator admits beyond the cloud's domains: "vpcep.example.internal" exactly,
  // ".example.internal" for every host under it, "127.0.0.1" for the simulator.
  std::vector<std::string> allowed_hosts;
  // Plain http:// to an admitted host that is not loopback (a TLS-terminating sidecar).
  bool allow_plain_http = false;
};

// The parts of an absolute URL that the policy looks at.
struct UrlParts {
  std::string scheme;  // lower case
  std::string host;    // lower case, IPv6 without brackets
};
std::optional<UrlParts> parse_url(const std::string& url);

bool is_loopback_host(const std::string& host);
// The documented service domains of Huawei Cloud and Open Telekom Cloud.
bool is_cloud_domain(const std::string& host);

// nullopt when `url` may receive credentials; otherwise why not (names no secret).
std::optional<std::string> endpoint_refusal(const EndpointPolicy& policy, const std::string& url);

}  // namespace rotor::access
