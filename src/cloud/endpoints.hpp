#pragma once
// Where each service answers, per cloud and region (../shared/api-notes.md, "Endpoints").
// Every endpoint can be overridden: private endpoints, proxies, the simulator.
#include <map>
#include <optional>
#include <string>

namespace rotor::cloud {

enum class CloudKind { kHuaweiCloud, kOpenTelekomCloud };
enum class Service { kDcs, kDdm, kDms, kIam };

const char* to_string(Service s);
std::optional<CloudKind> parse_cloud(
    const std::string& text);  // "HuaweiCloud" / "OpenTelekomCloud"
std::optional<Service> parse_service(const std::string& text);  // "dcs", "ddm", "dms", "iam"

struct Endpoints {
  CloudKind cloud = CloudKind::kHuaweiCloud;
  std::string region;
  std::map<Service, std::string> overrides;  // base URLs, e.g. "http://127.0.0.1:18080"

  // The base URL (scheme://host[:port], no trailing slash) for `service`.
  std::string base_url(Service service) const;
};

}  // namespace rotor::cloud
