// Answer bodies shared by every handler.
#include "sim/handlers.hpp"

#include "util/crypto.hpp"
#include "util/random.hpp"

#include <vector>

namespace rotor::sim {

Outcome json_outcome(int status, const Json& body, std::string outcome) {
  Outcome o;
  o.reply.response.status = status;
  o.reply.response.headers.set("Content-Type", "application/json;charset=UTF-8");
  o.reply.response.body = body.serialize();
  o.outcome = std::move(outcome);
  return o;
}

Outcome gateway_error(int status, const std::string& code, const std::string& msg) {
  Json v = Json::object(true);
  v["error_code"] = Json::string(code);
  v["error_msg"] = Json::string(msg);
  return json_outcome(status, v, code);
}

Outcome service_error(Service s, int status, const std::string& code, const std::string& msg) {
  Json v = Json::object(true);
  if (s == Service::kDdm) {
    v["errCode"] = Json::string(code);
    v["externalMessage"] = Json::string(msg);
  } else {
    v["error_code"] = Json::string(code);
    v["error_msg"] = Json::string(msg);
  }
  return json_outcome(status, v, code);
}

Outcome not_found(Action a) {
  switch (a) {
    case Action::kDcsReset:
    case Action::kDcsChange:
    case Action::kDcsShow:
      return service_error(Service::kDcs, 404, "DCS.3022", "The instance does not exist.");
    case Action::kDdmReset:
    case Action::kDdmResetV2:
      // DDM's own table names no such code; DBS.200002 is the DB services' family code.
      return service_error(Service::kDdm, 404, "DBS.200002", "The DB instance does not exist.");
    case Action::kDmsReset:
      return service_error(Service::kKafka, 404, "DMS.00404022", "The instance does not exist.");
    case Action::kIamToken:
    case Action::kIamIdToken:
    case Action::kPodIdentity:
    case Action::kMetadataSecurityKey:
      break;
  }
  return gateway_error(404, "APIG.0101", "The API does not exist or has not been published.");
}

Outcome keystone_error(int status, const std::string& title, const std::string& message,
                       std::string outcome) {
  Json e = Json::object(true);
  e["code"] = Json::number(status);
  e["message"] = Json::string(message);
  e["title"] = Json::string(title);
  Json v = Json::object(true);
  v["error"] = e;
  return json_outcome(status, v, std::move(outcome));
}

std::string iam_time(TimePoint t) {
  std::string s = format_rfc3339(t);
  return s.substr(0, s.size() - 1) + ".000000Z";
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> b(bytes);
  OpenSslRandom().fill(b.data(), b.size());
  return to_hex(b.data(), b.size());
}

std::string new_iam_token() {
  return "MIIsim" + random_hex(48);
}

}  // namespace rotor::sim
