#include "controller/events.hpp"

namespace rotor::controller {

void KubeEventRecorder::record(const RotatedResource& r, const char* type,
                               const std::string& reason, const std::string& message) {
  record(EventSubject{resource_ref(r.kind).api_version(), kind_name(r.kind), r.ns, r.name, r.uid},
         type, reason, message);
}

void KubeEventRecorder::leader_elected(const std::string& lease_ns, const std::string& lease_name,
                                       const std::string& lease_uid, const std::string& identity) {
  record(EventSubject{kube::resources::kLeases.api_version(), kube::resources::kLeases.kind,
                      lease_ns, lease_name, lease_uid},
         "Normal", "LeaderElection", identity + " became leader");
}

void KubeEventRecorder::record(const EventSubject& subject, const char* type,
                               const std::string& reason, const std::string& message) {
  using kube::Json;
  const std::string now = format_rfc3339(clock_.now());
  Json e = Json::object();
  e["metadata"] = Json::object();
  e["metadata"]["generateName"] = Json::string(subject.name + ".");
  e["metadata"]["namespace"] = Json::string(subject.ns);
  e["involvedObject"] = Json::object();
  e["involvedObject"]["apiVersion"] = Json::string(subject.api_version);
  e["involvedObject"]["kind"] = Json::string(subject.kind);
  e["involvedObject"]["name"] = Json::string(subject.name);
  e["involvedObject"]["namespace"] = Json::string(subject.ns);
  if (!subject.uid.empty()) e["involvedObject"]["uid"] = Json::string(subject.uid);
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
  auto created = api_.create(kube::resources::kCoreEvents, subject.ns, e);
  if (!created) {
    log_.warn("could not record an event",
              {{"object", subject.kind + "/" + subject.ns + "/" + subject.name},
               {"reason", reason},
               {"error", created.error().describe()}});
  }
}

}  // namespace rotor::controller
