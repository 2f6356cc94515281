#include "access/endpoint_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace rotor::access {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// api-notes.md, "Endpoints": every public service endpoint lives under one of these.
constexpr std::array kCloudDomains = {".myhuaweicloud.com", ".myhuaweicloud.eu",
                                      ".otc.t-systems.com"};

bool admitted(const EndpointPolicy& policy, const std::string& host) {
  for (const auto& raw : policy.allowed_hosts) {
    const std::string allowed = lower(raw);
    if (allowed.empty()) continue;
    if (allowed.front() == '.' ? ends_with(host, allowed) : host == allowed) return true;
  }
  return false;
}

}  // namespace

std::optional<UrlParts> parse_url(const std::string& url) {
  const auto colon = url.find("://");
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  UrlParts parts;
  parts.scheme = lower(url.substr(0, colon));
  std::string rest = url.substr(colon + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.find('@') != std::string::npos) return std::nullopt;  // no user info: it hides hosts
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) return std::nullopt;
    parts.host = rest.substr(1, close - 1);
  } else {
    parts.host = rest.substr(0, rest.find(':'));
  }
  parts.host = lower(parts.host);
  if (!parts.host.empty() && parts.host.back() == '.') parts.host.pop_back();  // FQDN dot
  if (parts.host.empty()) return std::nullopt;
  return parts;
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool is_cloud_domain(const std::string& host) {
  return std::any_of(kCloudDomains.begin(), kCloudDomains.end(),
                     [&](const char* d) { return ends_with(host, d); });
}

std::optional<std::string> endpoint_refusal(const EndpointPolicy& policy, const std::string& url) {
  const auto parts = parse_url(url);
  if (!parts) return "'" + url + "' is not an absolute URL with a host";
  if (parts->scheme != "https" && parts->scheme != "http")
    return "'" + url + "' must start with https://";
  const bool cloud = is_cloud_domain(parts->host);
  if (!cloud && !admitted(policy, parts->host))
    return "host " + parts->host +
           " is outside the cloud's domains and not admitted by the operator "
           "(rotor run --allowed-endpoint-host)";
  if (parts->scheme == "http" && !is_loopback_host(parts->host) &&
      !(policy.allow_plain_http && !cloud))
    return "'" + url +
           "' must use https:// (plain http:// only to loopback, or with "
           "rotor run --allow-plain-http)";
  return std::nullopt;
}

}  // namespace rotor::access
