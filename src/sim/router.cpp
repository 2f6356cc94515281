#include "sim/router.hpp"

#include <vector>

#include "cloud/signer.hpp"
#include "util/percent.hpp"

namespace rotor::sim {
namespace {

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path.front() != '/') return out;
  std::size_t start = 1;
  for (;;) {
    const auto pos = path.find('/', start);
    out.push_back(percent_decode(path.substr(start, pos == path.npos ? pos : pos - start)));
    if (pos == path.npos) return out;
    start = pos + 1;
  }
}

}  // namespace

const char* to_string(Action a) {
  switch (a) {
    case Action::kIamToken:
      return "iam.token";
    case Action::kDcsReset:
      return "dcs.reset";
    case Action::kDcsChange:
      return "dcs.change";
    case Action::kDcsShow:
      return "dcs.show";
    case Action::kDdmReset:
      return "ddm.reset";
    case Action::kDdmResetV2:
      return "ddm.reset.v2";
    case Action::kDmsReset:
      return "dms.reset";
    case Action::kIamIdToken:
      return "iam.id_token";
    case Action::kPodIdentity:
      return "pod_identity.credentials";
    case Action::kMetadataSecurityKey:
      return "metadata.securitykey";
  }
  return "unknown";
}

std::optional<Route> match_route(std::string_view method, std::string_view raw_path) {
  const auto s = segments(raw_path);
  const auto n = s.size();
  // Every path parameter must be non-empty: "/v2//instances/x" is no API.
  for (const auto& seg : s) {
    if (seg.empty()) return std::nullopt;
  }
  Route r;
  if (method == "POST" && n == 3 && s[0] == "v3" && s[1] == "auth" && s[2] == "tokens") {
    r.action = Action::kIamToken;
    return r;
  }
  if (method == "POST" && n == 4 && s[0] == "v3.0" && s[1] == "OS-AUTH" && s[2] == "id-token" &&
      s[3] == "tokens") {
    r.action = Action::kIamIdToken;
    return r;
  }
  if (method == "POST" && n == 2 && s[0] == "pod-identity" && s[1] == "credentials") {
    r.action = Action::kPodIdentity;
    return r;
  }
  if (method == "GET" && n == 3 && s[0] == "openstack" && s[1] == "latest" &&
      s[2] == "securitykey") {
    r.action = Action::kMetadataSecurityKey;
    return r;
  }
  if (n < 4 || s[2] != "instances") return std::nullopt;
  r.project_id = s[1];
  r.instance_id = s[3];
  if (s[0] == "v2" && n == 4 && method == "GET") {
    r.action = Action::kDcsShow;
  } else if (s[0] == "v2" && n == 5 && s[4] == "password" && method == "PUT") {
    r.action = Action::kDcsChange;
  } else if (s[0] == "v2" && n == 5 && s[4] == "password" && method == "POST") {
    r.action = Action::kDmsReset;
  } else if (s[0] == "v2" && n == 6 && s[4] == "password" && s[5] == "reset" && method == "POST") {
    r.action = Action::kDcsReset;
  } else if ((s[0] == "v3" || s[0] == "v2") && n == 7 && s[4] == "users" && s[6] == "password" &&
             method == "POST") {
    r.action = s[0] == "v3" ? Action::kDdmReset : Action::kDdmResetV2;
    r.username = s[5];
  } else {
    return std::nullopt;
  }
  return r;
}

bool sets_password(Action a) {
  return a == Action::kDcsReset || a == Action::kDcsChange || a == Action::kDdmReset ||
         a == Action::kDdmResetV2 || a == Action::kDmsReset;
}

bool issues_credentials(Action a) {
  return a == Action::kIamToken || a == Action::kIamIdToken || a == Action::kPodIdentity ||
         a == Action::kMetadataSecurityKey;
}

bool serves(Action a, Service s) {
  switch (a) {
    case Action::kDcsReset:
    case Action::kDcsChange:
    case Action::kDcsShow:
      return s == Service::kDcs;
    case Action::kDdmReset:
    case Action::kDdmResetV2:
      return s == Service::kDdm;
    case Action::kDmsReset:
      return is_dms(s);
    case Action::kIamToken:
    case Action::kIamIdToken:
    case Action::kPodIdentity:
    case Action::kMetadataSecurityKey:
      return false;
  }
  return false;
}

}  // namespace rotor::sim
