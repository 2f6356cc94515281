#include "controller/reconciler.hpp"

#include "controller/status.hpp"
#include "controller/target_secret.hpp"
#include "kube/json.hpp"

namespace rotor::controller {

// What one reconcile knows about its resource.
struct Reconciler::Pass {
  kube::Object obj;
  RotatedResource r;
  Schedule schedule;
  password::Policy policy;
  std::shared_ptr<cloud::PasswordApi> cloud;
  std::optional<TargetSecret> secret;
  bool roll_forward = false;  // a pending password was there when this pass began
  std::optional<Secret> pending;
  // Status facts learned during the pass.
  bool learned_reset_unsupported = false;

  std::string id() const { return std::string(kind_name(r.kind)) + "/" + r.ns + "/" + r.name; }
  // What a person must change to lift a "wrong old password" block.
  std::string fingerprint() const {
    return std::to_string(r.generation) + "/" + secret->resource_version() + "/" + r.rotate_now;
  }
};

namespace {

Observation observe(const Reconciler::Pass& p, TimePoint now);

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

Result Reconciler::refuse(const kube::Object& obj, ResourceKind kind, const std::string& reason,
                          const std::string& message, bool retry) {
  const TimePoint now = d_.clock.now();
  const std::int64_t gen = kube::get_int(obj, {"metadata", "generation"});
  const kube::Json* stored = kube::find(obj, {"status"});
  StatusBuilder s(stored ? *stored : kube::Json::object());
  s.set_condition("Ready", false, reason, message, now, gen);
  s.set_condition("Degraded", true, reason, message, now, gen);
  s.set_error(reason, message);
  s.set_int("observedGeneration", gen);
  if (s.changed()) {
    const auto& ref = resource_ref(kind);
    auto patched = d_.api.patch_status(ref, kube::namespace_of(obj), kube::name_of(obj),
                                       kube::PatchType::kMerge, s.patch());
    if (!patched) d_.log.warn("status update failed", {{"error", patched.error().describe()}});
  }
  d_.log.warn("resource refused",
              {{"resource", std::string(kind_name(kind)) + "/" + kube::namespace_of(obj) + "/" +
                                kube::name_of(obj)},
               {"reason", reason},
               {"message", message}});
  return retry ? Result::failed() : Result::ok();
}

Result Reconciler::reconcile(ResourceKind kind, const std::string& ns, const std::string& name) {
  auto got = d_.api.get(resource_ref(kind), ns, name);
  if (got.is(kube::ErrorKind::kNotFound)) return Result::ok();  // deleted; its Secret stays
  if (!got) {
    d_.log.warn("cannot read resource",
                {{"resource", make_key(kind, ns, name)}, {"error", got.error().describe()}});
    return Result::failed();
  }
  Pass p;
  p.obj = std::move(*got);
  std::string error;
  auto parsed = parse_rotated(kind, p.obj, error);
  if (!parsed) return refuse(p.obj, kind, "InvalidSpec", error, false);
  p.r = std::move(*parsed);
  auto schedule = Schedule::from_spec(p.r.interval, p.r.cron, p.r.time_zone, p.r.jitter, error);
  if (!schedule) return refuse(p.obj, kind, "InvalidSchedule", error, false);
  p.schedule = std::move(*schedule);
  try {
    p.policy = password::make_policy(p.r.policy_call(), p.r.password_options);
  } catch (const password::PolicyError& e) {
    return refuse(p.obj, kind, "InvalidPasswordPolicy", e.what(), false);
  }
  auto account = d_.accounts.resolve(p.r);
  if (auto* f = std::get_if<AccountFailure>(&account)) {
    // Credentials that appear later are not watched, so look again with backoff.
    return refuse(p.obj, kind, f->reason, f->message, true);
  }
  const auto& resolved = std::get<ResolvedAccount>(account);
  p.cloud = resolved.api;
  p.r.instance.project_id = resolved.project_id;
  p.secret.emplace(d_.api, p.r);
  if (auto loaded = p.secret->load(); !loaded) {
    return refuse(p.obj, kind, "SecretUnreadable",
                  "Secret " + p.r.ns + "/" + p.r.secret_name + ": " + loaded.error().describe(),
                  true);
  }
  p.pending = p.secret->pending();
  p.roll_forward = p.pending.has_value();
  return run(p);
}

Result Reconciler::run(Pass& p) {
  // Each step changes what decide() sees; a rotation takes at most three steps.
  for (int step = 0; step < 6; ++step) {
    const Plan plan = decide(observe(p, d_.clock.now()));
    d_.log.debug("decision",
                 {{"resource", p.id()}, {"step", to_string(plan.step)}, {"reason", plan.reason}});
    switch (plan.step) {
      case Step::kIdle:
        return finish(p, plan);
      case Step::kDropPending:
        if (auto w = p.secret->drop_pending(); !w)
          return refuse(p.obj, p.r.kind, "SecretWriteFailed", w.error().describe(), true);
        p.pending.reset();
        continue;
      case Step::kCreatePending: {
        Secret next = password::generate(p.policy, d_.random);
        if (auto w = p.secret->put_pending(next); !w) {
          return refuse(
              p.obj, p.r.kind, "SecretWriteFailed",
              "cannot write Secret " + p.r.ns + "/" + p.r.secret_name + ": " + w.error().describe(),
              true);
        }
        p.pending = std::move(next);
        p.roll_forward = false;
        d_.log.info("pending password stored", {{"resource", p.id()}, {"secret", p.r.secret_name}});
        continue;
      }
      case Step::kCallCloud:
        return call_cloud(p, plan.call);
    }
  }
  d_.log.error("reconcile did not settle", {{"resource", p.id()}});
  return Result::failed();
}

}  // namespace rotor::controller

namespace rotor::controller {
namespace {

Observation observe(const Reconciler::Pass& p, TimePoint now) {
  Observation o;
  o.now = now;
  o.kind = p.r.kind;
  o.method = p.r.method;
  o.password_free = p.r.password_free;
  o.suspended = p.r.suspend;
  if (p.r.status.last_rotation)
    o.next_due = p.schedule.next_rotation(*p.r.status.last_rotation, p.r.uid);
  o.rotate_now = p.r.rotate_now;
  o.last_rotate_now = p.r.status.last_rotate_now;
  o.locked_until = p.r.status.locked_until;
  o.reset_unsupported = p.r.status.reset_unsupported || p.learned_reset_unsupported;
  o.blocked_by_wrong_password =
      !p.r.status.blocked_on.empty() && p.r.status.blocked_on == p.fingerprint();
  o.secret_exists = p.secret->exists();
  const auto current = p.secret->current();
  o.has_current = current.has_value();
  o.has_pending = p.pending.has_value();
  o.pending_equals_current = o.has_pending && current && *current == *p.pending;
  return o;
}

cloud::Outcome send(Reconciler::Pass& p, CallKind call, const Secret& next) {
  static const Secret kNone;
  const cloud::InstanceRef& ref = p.r.instance;
  switch (call) {
    case CallKind::kResetPasswordFree:
      return p.cloud->dcs_reset(ref, kNone, true);
    case CallKind::kChange: {
      const auto current = p.secret->current();
      if (!current) {
        cloud::Outcome o;
        o.kind = cloud::OutcomeKind::kRejected;
        o.message = "the change call needs the current password in the Secret";
        return o;
      }
      return p.cloud->dcs_change(ref, *current, next);
    }
    case CallKind::kReset:
      break;
  }
  switch (p.r.kind) {
    case ResourceKind::kDdmAccount:
      return p.cloud->ddm_reset(ref, p.r.username, next);
    case ResourceKind::kDmsInstance:
      return p.cloud->dms_reset(ref, p.r.engine, next);
    case ResourceKind::kDcsInstance:
      break;
  }
  return p.cloud->dcs_reset(ref, next, false);
}

// A commit that survives someone else touching the Secret meanwhile: re-read and retry
// while the Secret still holds our pending password.
kube::Result<void> commit_with_retry(Reconciler::Pass& p, const Secret& next, bool password_free) {
  for (int attempt = 0;; ++attempt) {
    auto w = p.secret->commit(next);
    if (w || !w.is(kube::ErrorKind::kConflict) || attempt == 3) return w;
    if (auto l = p.secret->load(); !l) return l;
    const auto pending = p.secret->pending();
    if (!password_free && !(pending && *pending == next)) return w;
  }
}

void write_status(ReconcilerDeps& d, const Reconciler::Pass& p, const StatusBuilder& s) {
  if (!s.changed()) return;
  auto patched = d.api.patch_status(resource_ref(p.r.kind), p.r.ns, p.r.name,
                                    kube::PatchType::kMerge, s.patch());
  if (!patched)
    d.log.warn("status update failed",
               {{"resource", p.id()}, {"error", patched.error().describe()}});
}

const kube::Json& stored_status(const Reconciler::Pass& p) {
  static const kube::Json kEmpty = kube::Json::object();
  const kube::Json* s = kube::find(p.obj, {"status"});
  return s ? *s : kEmpty;
}

}  // namespace

Result Reconciler::call_cloud(Pass& p, CallKind call) {
  const Secret none;
  const Secret& next = call == CallKind::kResetPasswordFree ? none : *p.pending;
  Observation o = observe(p, d_.clock.now());
  cloud::Outcome outcome = send(p, call, next);
  Reaction re = react(o, call, outcome, p.roll_forward);
  if (re.next == Next::kTryChange) {
    d_.log.info("reset not supported (DCS.4839); changing instead", {{"resource", p.id()}});
    p.learned_reset_unsupported = true;
    o.reset_unsupported = true;
    call = CallKind::kChange;
    outcome = send(p, call, next);
    re = react(o, call, outcome, p.roll_forward);
  }
  p.learned_reset_unsupported |= re.learned_reset_unsupported;
  d_.log.info("cloud answered", {{"resource", p.id()},
                                 {"call", to_string(call)},
                                 {"outcome", outcome.describe()},
                                 {"roll_forward", p.roll_forward ? "true" : "false"}});

  const TimePoint now = d_.clock.now();
  const std::int64_t gen = p.r.generation;
  StatusBuilder s(stored_status(p));
  s.set_int("observedGeneration", gen);
  if (p.r.kind == ResourceKind::kDcsInstance)
    s.set_bool("resetUnsupported", o.reset_unsupported || p.learned_reset_unsupported);

  if (re.next == Next::kCommit) {
    if (auto w = commit_with_retry(p, next, call == CallKind::kResetPasswordFree); !w) {
      // The cloud has the password and the Secret still holds it as pending: the next pass
      // commits it. Nothing is lost.
      return refuse(p.obj, p.r.kind, "SecretWriteFailed",
                    "the cloud accepted the new password but Secret " + p.r.ns + "/" +
                        p.r.secret_name + " could not be updated (" + w.error().describe() +
                        "); retrying",
                    true);
    }
    p.pending.reset();
    const std::optional<TimePoint> next_due =
        p.r.suspend ? std::nullopt : std::optional(p.schedule.next_rotation(now, p.r.uid));
    const std::string where = "Secret " + p.r.ns + "/" + p.r.secret_name;
    s.set_condition("Ready", true, "Rotated",
                    "the password was rotated (" + std::string(to_string(call)) + ") into " + where,
                    now, gen);
    s.set_condition("Rotating", false, "Idle", "no rotation in progress", now, gen);
    s.set_condition("Degraded", false, "Rotated", "the last rotation succeeded", now, gen);
    s.set_condition("Locked", false, "NotLocked", "password changes are allowed", now, gen);
    s.set_time("lastRotationTime", now);
    s.set_time("nextRotationTime", next_due);
    s.set_int("rotationCount", p.r.status.rotation_count + 1);
    s.set_string("lastRotateNowValue", p.r.rotate_now);
    for (const char* f : {"lockedUntil", "lastError", "blockedOn", "pendingSince"}) s.clear(f);
    write_status(d_, p, s);
    if (re.assumed_applied) {
      d_.events.warning(
          p.r, "AssumedApplied",
          "an earlier change answered ambiguously and the old password is now refused: the pending "
          "password was taken as applied and committed to " +
              where);
    }
    d_.events.normal(
        p.r, "Rotated",
        "password rotated (" + std::string(to_string(call)) + "); " + where + " updated");
    d_.log.info("password rotated",
                {{"resource", p.id()}, {"secret", p.r.secret_name}, {"call", to_string(call)}});
    return next_due ? Result::at(*next_due) : Result::ok();
  }

  if (re.next == Next::kDropPending) {
    if (auto w = p.secret->drop_pending(); !w) {
      d_.log.warn("cannot remove the pending password",
                  {{"resource", p.id()}, {"error", w.error().describe()}});
    }
    p.pending.reset();
  }
  const bool pending = p.pending.has_value();
  const std::string message = "the cloud answered " + outcome.describe() +
                              (pending ? "; the pending password is kept and sent again" : "");
  s.set_condition("Rotating", pending, pending ? "RetryingPendingPassword" : "Idle",
                  pending ? "a pending password waits to be sent again" : "no rotation in progress",
                  now, gen);
  if (re.degraded) {
    s.set_condition("Degraded", true, re.reason, message, now, gen);
    s.set_condition("Ready", false, re.reason, message, now, gen);
  }
  if (re.locked_until) {
    s.set_condition("Locked", true, "Locked",
                    "the cloud locked password changes until " + format_rfc3339(*re.locked_until),
                    now, gen);
    s.set_time("lockedUntil", re.locked_until);
  }
  s.set_error(outcome.code.empty() ? re.reason : outcome.code, outcome.describe());
  if (re.block_until_changed) {
    s.set_string("lastRotateNowValue", p.r.rotate_now);
    s.set_string("blockedOn", p.fingerprint());
  }
  if (pending) {
    if (!kube::find(stored_status(p), {"pendingSince"})) s.set_time("pendingSince", now);
  } else {
    s.clear("pendingSince");
  }
  write_status(d_, p, s);
  d_.events.warning(p.r, re.reason, message);
  d_.log.warn("rotation did not complete",
              {{"resource", p.id()}, {"reason", re.reason}, {"outcome", outcome.describe()}});
  if (re.retry_at) return Result::at(*re.retry_at);
  return re.retry_with_backoff ? Result::failed() : Result::ok();
}

Result Reconciler::finish(Pass& p, const Plan& plan) {
  const TimePoint now = d_.clock.now();
  const std::int64_t gen = p.r.generation;
  StatusBuilder s(stored_status(p));
  s.set_int("observedGeneration", gen);
  const Observation o = observe(p, now);
  const bool locked = o.locked_until && *o.locked_until > now;
  if (!locked) {
    s.clear("lockedUntil");
    s.set_condition("Locked", false, "NotLocked", "password changes are allowed", now, gen);
  }
  s.set_time("nextRotationTime", o.suspended || locked ? std::nullopt : plan.wake_at);
  if (!o.has_pending)
    s.set_condition("Rotating", false, "Idle", "no rotation in progress", now, gen);
  if (o.blocked_by_wrong_password) {
    // Conditions already say why; keep them until a person changes something.
  } else if (o.has_current || (o.password_free && p.r.status.last_rotation)) {
    s.set_condition(
        "Ready", true, o.suspended ? "Suspended" : "UpToDate",
        o.suspended ? "rotation is suspended; the Secret holds the last password" : plan.reason,
        now, gen);
    if (!locked) s.set_condition("Degraded", false, "UpToDate", "no errors", now, gen);
  } else {
    s.set_condition("Ready", false, o.suspended ? "Suspended" : "NoPassword", plan.reason, now,
                    gen);
  }
  write_status(d_, p, s);
  return plan.wake_at ? Result::at(*plan.wake_at) : Result::ok();
}

}  // namespace rotor::controller
