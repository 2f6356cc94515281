#include "cloud/endpoints.hpp"

namespace rotor::cloud {

const char* to_string(Service s) {
  switch (s) {
    case Service::kDcs:
      return "dcs";
    case Service::kDdm:
      return "ddm";
    case Service::kDms:
      return "dms";
    case Service::kIam:
      return "iam";
  }
  return "dcs";
}

std::optional<CloudKind> parse_cloud(const std::string& text) {
  if (text == "HuaweiCloud" || text.empty()) return CloudKind::kHuaweiCloud;
  if (text == "OpenTelekomCloud") return CloudKind::kOpenTelekomCloud;
  return std::nullopt;
}

std::optional<Service> parse_service(const std::string& text) {
  for (Service s : {Service::kDcs, Service::kDdm, Service::kDms, Service::kIam}) {
    if (text == to_string(s)) return s;
  }
  return std::nullopt;
}

std::string Endpoints::base_url(Service service) const {
  if (auto it = overrides.find(service); it != overrides.end()) {
    std::string url = it->second;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }
  const std::string name = to_string(service);
  if (cloud == CloudKind::kOpenTelekomCloud) {
    return "https://" + name + "." + region + ".otc.t-systems.com";
  }
  // eu-west-101 serves DDM and DMS from the .eu domain.
  const bool eu_domain =
      region == "eu-west-101" && (service == Service::kDdm || service == Service::kDms);
  return "https://" + name + "." + region +
         (eu_domain ? ".myhuaweicloud.eu" : ".myhuaweicloud.com");
}

}  // namespace rotor::cloud
