#include "controller/reconciler.hpp"

#include "controller/observed_cloud.hpp"
#include "controller/secret_store.hpp"
#include "controller/status.hpp"
#include "kube/json.hpp"

namespace rotor::controller {

namespace {

std::string id_of(const RotatedResource& r) {
  return std::string(kind_name(r.kind)) + "/" + r.ns + "/" + r.name;
}

rotation::Service service_of(const RotatedResource& r) {
  switch (r.kind) {
    case ResourceKind::kDdmAccount:
      return rotation::Service::kDdm;
    case ResourceKind::kDmsInstance:
      return r.engine == cloud::DmsEngine::kKafka ? rotation::Service::kKafka
                                                  : rotation::Service::kRabbitMq;
    case ResourceKind::kDcsInstance:
      break;
  }
  return rotation::Service::kDcs;
}

}  // namespace

PeerLister list_peers(kube::Api& api) {
  return [&api](ResourceKind kind,
                const std::string& instance) -> std::optional<std::vector<kube::Object>> {
    auto listed = api.list(resource_ref(kind), "");
    if (!listed) return std::nullopt;
    std::vector<kube::Object> same;
    for (auto& o : listed->items)
      if (instance_key(kind, o) == instance) same.push_back(std::move(o));
    return same;
  };
}

std::string instance_key(ResourceKind kind, const kube::Object& o) {
  const std::string account_kind =
      kube::get_string(o, {"spec", "cloudAccountRef", "kind"}, "CloudAccount");
  const std::string scope =
      account_kind == "ClusterCloudAccount" ? std::string("cluster") : kube::namespace_of(o);
  return scope + "/" + kube::get_string(o, {"spec", "cloudAccountRef", "name"}) + "|" +
         kind_name(kind) + "|" +
         (kind == ResourceKind::kDmsInstance ? kube::get_string(o, {"spec", "engine"}, "Kafka")
                                             : std::string()) +
         "|" + kube::get_string(o, {"spec", "instanceId"}) + "|" +
         kube::get_string(o, {"spec", "username"});
}

namespace {

const kube::Json& stored_status(const kube::Object& obj) {
  static const kube::Json kEmpty = kube::Json::object();
  const kube::Json* s = kube::find(obj, {"status"});
  return s ? *s : kEmpty;
}

}  // namespace

std::string make_key(ResourceKind kind, const std::string& ns, const std::string& name) {
  return resource_ref(kind).plural + "/" + ns + "/" + name;
}

bool parse_key(const std::string& key, ResourceKind& kind, std::string& ns, std::string& name) {
  const auto a = key.find('/');
  const auto b = key.find('/', a == std::string::npos ? a : a + 1);
  if (a == std::string::npos || b == std::string::npos) return false;
  const std::string plural = key.substr(0, a);
  for (auto k :
       {ResourceKind::kDcsInstance, ResourceKind::kDdmAccount, ResourceKind::kDmsInstance}) {
    if (resource_ref(k).plural == plural) {
      kind = k;
      ns = key.substr(a + 1, b - a - 1);
      name = key.substr(b + 1);
      return !ns.empty() && !name.empty();
    }
  }
  return false;
}

runtime::Result Reconciler::refuse(const kube::Object& obj, ResourceKind kind,
                                   const std::string& reason, const std::string& message,
                                   bool retry) {
  const TimePoint now = d_.clock.now();
  const std::int64_t gen = kube::get_int(obj, {"metadata", "generation"});
  StatusBuilder s(stored_status(obj));
  s.set_condition("Ready", false, reason, message, now, gen);
  s.set_condition("Degraded", true, reason, message, now, gen);
  s.set_error(reason, message);
  s.set_int("observedGeneration", gen);
  if (s.changed()) {
    auto patched = d_.api.patch_status(resource_ref(kind), kube::namespace_of(obj),
                                       kube::name_of(obj), kube::PatchType::kMerge, s.patch());
    if (!patched) d_.log.warn("status update failed", {{"error", patched.error().describe()}});
  }
  if (d_.observer != nullptr)
    d_.observer->on_refused(kind, kube::namespace_of(obj), kube::name_of(obj), reason);
  d_.log.warn("resource refused",
              {{"resource", std::string(kind_name(kind)) + "/" + kube::namespace_of(obj) + "/" +
                                kube::name_of(obj)},
               {"reason", reason},
               {"message", message}});
  return retry ? runtime::Result::failed() : runtime::Result::ok();
}

// The oldest resource (then the first by namespace/name) naming an instance keeps it; any
// other is refused, so two resources never reset one instance over each other.
std::optional<std::string> Reconciler::duplicate_of(const RotatedResource& r,
                                                    const kube::Object& obj) {
  if (!d_.peers) return std::string();
  const std::string mine = instance_key(r.kind, obj);
  const auto peers = d_.peers(r.kind, mine);
  if (!peers) return std::nullopt;
  const auto rank = [](const kube::Object& o) {
    return kube::get_string(o, {"metadata", "creationTimestamp"}) + "|" + kube::namespace_of(o) +
           "/" + kube::name_of(o);
  };
  const std::string my_rank = rank(obj);
  for (const auto& peer : *peers) {
    if (kube::namespace_of(peer) == r.ns && kube::name_of(peer) == r.name) continue;
    if (instance_key(r.kind, peer) != mine) continue;
    if (rank(peer) < my_rank)
      return std::string(kind_name(r.kind)) + "/" + kube::namespace_of(peer) + "/" +
             kube::name_of(peer);
  }
  return std::string();
}

runtime::Result Reconciler::reconcile(ResourceKind kind, const std::string& ns,
                                      const std::string& name) {
  auto got = d_.api.get(resource_ref(kind), ns, name);
  if (got.is(kube::ErrorKind::kNotFound))
    return runtime::Result::ok();  // deleted; its Secret stays
  if (!got) {
    d_.log.warn("cannot read resource",
                {{"resource", make_key(kind, ns, name)}, {"error", got.error().describe()}});
    return runtime::Result::failed();
  }
  const kube::Object obj = std::move(*got);
  std::string error;
  auto parsed = parse_rotated(kind, obj, error);
  if (!parsed) return refuse(obj, kind, "InvalidSpec", error, false);
  RotatedResource r = std::move(*parsed);
  auto schedule = schedule::Schedule::from_spec(r.interval, r.cron, r.time_zone, r.jitter, error);
  if (!schedule) return refuse(obj, kind, "InvalidSchedule", error, false);
  rotation::Intent intent;
  try {
    intent.policy = password::make_policy(r.policy_call(), r.password_options);
  } catch (const password::PolicyError& e) {
    return refuse(obj, kind, "InvalidPasswordPolicy", e.what(), false);
  }
  const auto holder = duplicate_of(r, obj);
  if (!holder) {
    return refuse(obj, kind, "PeersUnknown",
                  "cannot tell yet whether another resource rotates instance " +
                      r.instance.instance_id + "; retrying",
                  true);
  }
  if (!holder->empty()) {
    return refuse(obj, kind, "DuplicateInstance",
                  "instance " + r.instance.instance_id + " is already rotated by " + *holder +
                      "; two resources must not rotate one instance",
                  true);
  }
  auto account = d_.accounts.resolve(r);
  if (auto* f = std::get_if<AccountFailure>(&account))
    return refuse(obj, kind, f->reason, f->message, true);
  const auto& resolved = std::get<ResolvedAccount>(account);
  r.instance.project_id = resolved.project_id;

  intent.target = {service_of(r), r.instance.project_id, r.instance.instance_id, r.username};
  intent.method = r.method;
  intent.password_free = r.password_free;
  intent.suspended = r.suspend;
  intent.person_token = std::to_string(r.generation) + "|" + r.rotate_now;
  intent.rotate_now = r.rotate_now;
  intent.adopt_existing = !r.first_rotation_immediate;
  intent.next_after = [&schedule, uid = r.uid](TimePoint last) {
    return schedule->next_rotation(last, uid);
  };
  SecretStore store(d_.api, r);
  std::optional<ObservedPasswordApi> observed;
  if (d_.observer != nullptr) observed.emplace(*resolved.api, *d_.observer);
  cloud::PasswordApi& password_api =
      observed ? static_cast<cloud::PasswordApi&>(*observed) : *resolved.api;
  const auto rep = rotation::run_pass(
      intent, {password_api, store, d_.clock, d_.random, &memo_, make_key(kind, ns, name)});
  for (const auto& step : rep.trace)
    d_.log.debug("rotation step", {{"resource", id_of(r)}, {"step", step}});
  if (rep.store_failed && store.refusal())
    return refuse(obj, kind, store.refusal()->reason, store.refusal()->message, true);
  return report(obj, r, rep);
}

runtime::Result Reconciler::report(const kube::Object& obj, const RotatedResource& r,
                                   const rotation::Report& rep) {
  const TimePoint now = d_.clock.now();
  const std::int64_t gen = r.generation;
  const rotation::RotationRecord& rec = rep.record;
  const bool pending = rec.in_flight();
  const bool locked = rec.locked_until && *rec.locked_until > now;
  const std::string where = "Secret " + r.ns + "/" + r.secret_name;

  StatusBuilder s(stored_status(obj));
  s.set_int("observedGeneration", gen);
  s.set_string("phase", rotation::to_string(rec.phase));
  s.set_time("lastRotationTime", rec.last_rotation);
  s.set_time("nextRotationTime", pending || locked ? std::nullopt : rep.next_rotation);
  s.set_int("rotationCount", rec.rotations);
  s.set_string("lastRotateNowValue", rec.handled_rotate_now);
  if (r.kind == ResourceKind::kDcsInstance) s.set_bool("resetUnsupported", rec.reset_unsupported);
  s.set_time("lockedUntil", locked ? rec.locked_until : std::nullopt);
  s.set_time("pendingSince", pending ? rec.pending_since : std::nullopt);
  s.set_string("blockedReason", rec.blocked_reason);
  s.clear("blockedOn");
  s.set_condition(
      "Locked", locked, locked ? "Locked" : "NotLocked",
      locked ? "the cloud locked password changes until " + format_rfc3339(*rec.locked_until)
             : "password changes are allowed",
      now, gen);
  s.set_condition("Rotating", pending, pending ? "RetryingPendingPassword" : "Idle",
                  pending ? "a pending password waits to be confirmed (" +
                                std::string(rotation::to_string(rec.phase)) + ")"
                          : "no rotation in progress",
                  now, gen);
  const bool has_password = rec.last_rotation.has_value() || rep.rotated;
  if (rep.healthy) {
    // A rotation and the quiet pass that its own writes trigger report the same condition,
    // so that pass writes no status: one status write per rotation. The Event tells of the
    // rotation itself.
    const bool current = rep.reason == "Rotated" || rep.reason == "UpToDate";
    const std::string reason = current ? "UpToDate" : rep.reason;
    const std::string message =
        current ? "the password in " + where + " is current; waiting for the next rotation"
                : rep.message;
    s.set_condition("Ready", has_password, has_password ? reason : "NoPassword", message, now, gen);
    s.set_condition("Degraded", false, reason, "no errors", now, gen);
    s.clear("lastError");
  } else {
    s.set_condition("Ready", false, rep.reason, rep.message, now, gen);
    s.set_condition("Degraded", true, rep.reason, rep.message, now, gen);
    s.set_error(rep.answer && !rep.answer->code.empty() ? rep.answer->code : rep.reason,
                rep.message);
  }
  if (s.changed()) {
    auto patched =
        d_.api.patch_status(resource_ref(r.kind), r.ns, r.name, kube::PatchType::kMerge, s.patch());
    if (!patched)
      d_.log.warn("status update failed",
                  {{"resource", id_of(r)}, {"error", patched.error().describe()}});
  }
  for (const auto& n : rep.notices) {
    const std::string message =
        n.reason == "Rotated" ? n.message + "; " + where + " updated" : n.message;
    if (n.warning) {
      d_.events.warning(r, n.reason, message);
    } else {
      d_.events.normal(r, n.reason, message);
    }
  }
  if (d_.observer != nullptr) {
    PassOutcome outcome;
    outcome.kind = r.kind;
    outcome.ns = r.ns;
    outcome.name = r.name;
    outcome.rotated = rep.rotated;
    outcome.cloud_call = rep.answer.has_value();
    outcome.ready = rep.healthy && has_password;
    outcome.reason = rep.reason;
    if (rep.rotated && rep.rotation_started) {
      outcome.rotation_seconds = std::chrono::duration<double>(now - *rep.rotation_started).count();
    }
    outcome.last_rotation = rec.last_rotation;
    outcome.next_rotation = rep.next_rotation;
    outcome.locked = locked;
    outcome.blocked = !rec.blocked_reason.empty();
    outcome.record_known = !rep.store_failed;
    d_.observer->on_pass(outcome);
  }
  if (rep.rotated) {
    d_.log.info("password rotated", {{"resource", id_of(r)},
                                     {"secret", r.secret_name},
                                     {"call", rotation::to_string(rep.call)}});
  } else if (!rep.healthy) {
    d_.log.warn("rotation did not complete",
                {{"resource", id_of(r)}, {"reason", rep.reason}, {"message", rep.message}});
  }
  if (rep.backoff) return runtime::Result::failed();
  if (rep.wake_at) return runtime::Result::at(*rep.wake_at);
  return runtime::Result::ok();
}

}  // namespace rotor::controller
