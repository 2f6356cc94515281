#include "controller/events.hpp"

namespace rotor::controller {

void KubeEventRecorder::record(const RotatedResource& r, const char* type,
                               const std::string& reason, const std::string& message) {
  using kube::Json;
  const std::string now = format_rfc3339(clock_.now());
  Json e = Json::object();
  e["metadata"] = Json::object();
  e["metadata"]["generateName"] = Json::string(r.name + ".");
  e["metadata"]["namespace"] = Json::string(r.ns);
  e["involvedObject"] = Json::object();
  e["involvedObject"]["apiVersion"] = Json::string(resource_ref(r.kind).api_version());
  e["involvedObject"]["kind"] = Json::string(kind_name(r.kind));
  e["involvedObject"]["name"] = Json::string(r.name);
  e["involvedObject"]["namespace"] = Json::string(r.ns);
  e["involvedObject"]["uid"] = Json::string(r.uid);
  e["type"] = Json::string(type);
  e["reason"] = Json::string(reason);
  e["message"] = Json::string(message);
  e["source"] = Json::object();
  e["source"]["component"] = Json::string("rotor");
  e["reportingComponent"] = Json::string("rotor.dev/rotor");
  e["reportingInstance"] = Json::string(instance_);
  e["firstTimestamp"] = Json::string(now);
  e["lastTimestamp"] = Json::string(now);
  e["count"] = Json::number(1);
  auto created = api_.create(kube::resources::kCoreEvents, r.ns, e);
  if (!created) {
    log_.warn("could not record an event",
              {{"resource", std::string(kind_name(r.kind)) + "/" + r.ns + "/" + r.name},
               {"reason", reason},
               {"error", created.error().describe()}});
  }
}

}  // namespace rotor::controller
