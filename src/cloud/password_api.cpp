#include "cloud/password_api.hpp"

#include "cloud/signer.hpp"
#include "util/json.hpp"

namespace rotor::cloud {
namespace {

// DCS and DDM take this content type, DMS plain application/json (api-notes.md).
constexpr const char* kJsonUtf8 = "application/json;charset=UTF-8";
constexpr const char* kJson = "application/json";

std::string instance_path(const char* version, const InstanceRef& ref) {
  return std::string("/") + version + "/" + sdk_escape(ref.project_id) + "/instances/" +
         sdk_escape(ref.instance_id);
}

}  // namespace

Outcome HttpPasswordApi::call(CallKind kind, Service service, const std::string& method,
                              const std::string& path, const InstanceRef& ref, std::string body,
                              const char* content_type, std::initializer_list<const Secret*> sent) {
  http::Request req{method, endpoints_.base_url(service) + path, {}, std::move(body)};
  req.headers.set("Content-Type", content_type);
  req.headers.set("X-Project-Id", ref.project_id);
  if (auto failure = auth_.authenticate(req)) {
    cleanse(req.body);
    req.headers.cleanse_values();
    return *failure;
  }
  const http::Result result = client_.send(req);
  cleanse(req.body);
  Outcome outcome = interpret(kind, result, sent);
  // A service that echoes the token or security token in an error must not put it in a
  // status or a log line; then our copies of them are wiped.
  const Secret token(req.headers.get("X-Auth-Token").value_or(""));
  const Secret security_token(req.headers.get("X-Security-Token").value_or(""));
  outcome.code = scrub(std::move(outcome.code), {&token, &security_token});
  outcome.message = scrub(std::move(outcome.message), {&token, &security_token});
  req.headers.cleanse_values();
  if (outcome.kind == OutcomeKind::kAuthFailed) auth_.rejected();
  return outcome;
}

Outcome HttpPasswordApi::dcs_reset(const InstanceRef& ref, const Secret& new_password,
                                   bool password_free) {
  Json body = Json::object();
  if (!password_free) body["new_password"] = Json::string(new_password.reveal());
  body["no_password_access"] = Json::boolean(password_free);
  return call(CallKind::kDcsReset, Service::kDcs, "POST",
              instance_path("v2", ref) + "/password/reset", ref, to_json_string(body), kJsonUtf8,
              {&new_password});
}

Outcome HttpPasswordApi::dcs_change(const InstanceRef& ref, const Secret& old_password,
                                    const Secret& new_password) {
  Json body = Json::object();
  body["old_password"] = Json::string(old_password.reveal());
  body["new_password"] = Json::string(new_password.reveal());
  return call(CallKind::kDcsChange, Service::kDcs, "PUT", instance_path("v2", ref) + "/password",
              ref, to_json_string(body), kJsonUtf8, {&old_password, &new_password});
}

Outcome HttpPasswordApi::ddm_reset(const InstanceRef& ref, const std::string& username,
                                   const Secret& new_password) {
  Json body = Json::object();
  body["password"] = Json::string(new_password.reveal());
  return call(CallKind::kDdmReset, Service::kDdm, "POST",
              instance_path("v3", ref) + "/users/" + sdk_escape(username) + "/password", ref,
              to_json_string(body), kJsonUtf8, {&new_password});
}

Outcome HttpPasswordApi::dms_reset(const InstanceRef& ref, DmsEngine /*engine*/,
                                   const Secret& new_password) {
  // Kafka and RabbitMQ share the path; the instance id says which engine it is.
  Json body = Json::object();
  body["new_password"] = Json::string(new_password.reveal());
  return call(CallKind::kDmsReset, Service::kDms, "POST", instance_path("v2", ref) + "/password",
              ref, to_json_string(body), kJson, {&new_password});
}

}  // namespace rotor::cloud
