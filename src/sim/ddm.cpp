// DDM account password reset: doc 003 (v3), and the older v2 call the SDKs still carry.
//
// DDM's error body is {"errCode", "externalMessage"}. Its error table has DBS.280001
// "Parameter error." (400), which covers a bad body and a password the rules refuse; an
// unknown account answers 404 with the same code, since DDM documents no better one.
#include "password/policy.hpp"
#include "sim/handlers.hpp"

namespace rotor::sim {

Outcome ddm_reset(CallContext& c) {
  Instance& inst = *c.instance;
  const std::string& user = c.route.username;
  auto it = inst.users.find(user);
  if (it == inst.users.end()) {
    return service_error(Service::kDdm, 404, "DBS.280001", "Parameter error: no such account.");
  }
  Json body;
  const Json* pw = parse_object(c.request.body, body) ? member(body, "password") : nullptr;
  if (!pw || !pw->is_string()) {
    return service_error(Service::kDdm, 400, "DBS.280001",
                         "Parameter error: password is required and must be a string.");
  }
  const password::Rules* rules = password::find_version(inst.doc_version);
  if (!rules) return service_error(Service::kDdm, 500, "DBS.200412", "Server failure.");
  // Doc 003: not weak, and neither the account name nor its reverse.
  if (auto broken = password::validate(*rules, pw->as_string(), user)) {
    return service_error(Service::kDdm, 400, "DBS.280001", "Parameter error: " + *broken);
  }
  it->second = Secret(pw->as_string());
  if (c.route.action == Action::kDdmResetV2) {
    // The v2 reference answers with who was changed (SDK ResetUserPasswordResponse).
    Json v = Json::object(true);
    v["success"] = Json::boolean(true);
    v["instance_id"] = Json::string(inst.id);
    v["user_name"] = Json::string(user);
    return json_outcome(200, v, "success");
  }
  return json_outcome(200, Json::object(), "success");  // doc 003: "{ }"
}

}  // namespace rotor::sim
