// DMS (Kafka, RabbitMQ) instance password reset, doc 004: 204 without a body.
//
// Codes from the Kafka/RabbitMQ error tables: DMS.00400004 empty body, DMS.00400005 not
// JSON, DMS.00400012 "Invalid password format." (a missing password too: doc 004 marks
// new_password optional, but a reset without one cannot mean anything).
#include "password/policy.hpp"
#include "sim/handlers.hpp"

namespace rotor::sim {

Outcome dms_reset(CallContext& c) {
  Instance& inst = *c.instance;
  if (c.request.body.empty()) {
    return service_error(inst.service, 400, "DMS.00400004", "The request body is empty.");
  }
  Json body;
  if (!parse_object(c.request.body, body)) {
    return service_error(inst.service, 400, "DMS.00400005",
                         "The message body is not in JSON format or contains invalid characters.");
  }
  const Json* pw = member(body, "new_password");
  if (!pw || !pw->is_string()) {
    return service_error(inst.service, 400, "DMS.00400012", "Invalid password format.");
  }
  const password::Rules* rules = password::find_version(inst.doc_version);
  if (!rules) return service_error(inst.service, 500, "DMS.00500000", "Internal service error.");
  if (auto broken = password::validate(*rules, pw->as_string())) {
    return service_error(inst.service, 400, "DMS.00400012", "Invalid password format: " + *broken);
  }
  inst.password = Secret(pw->as_string());
  Outcome o;
  o.reply.response.status = 204;
  o.outcome = "success";
  return o;
}

}  // namespace rotor::sim
