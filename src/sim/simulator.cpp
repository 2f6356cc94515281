#include "sim/simulator.hpp"

#include "sim/auth.hpp"
#include "sim/faults.hpp"
#include "sim/redis_link.hpp"
#include "sim/router.hpp"
#include "util/crypto.hpp"

namespace rotor::sim {
namespace {

constexpr std::size_t kMaxCalls = 10000;  // the call log keeps the newest

bool is_admin_path(std::string_view path) {
  return path == "/_sim" || path.rfind("/_sim/", 0) == 0;
}

Outcome run(Action a, CallContext& c) {
  switch (a) {
    case Action::kDcsReset:
      return dcs_reset(c);
    case Action::kDcsChange:
      return dcs_change(c);
    case Action::kDcsShow:
      return dcs_show(c);
    case Action::kDdmReset:
    case Action::kDdmResetV2:
      return ddm_reset(c);
    case Action::kDmsReset:
      return dms_reset(c);
    case Action::kIamToken:
      return iam_token(c);
    case Action::kIamIdToken:
      return iam_id_token(c);
    case Action::kPodIdentity:
      return pod_identity_credentials(c);
    case Action::kMetadataSecurityKey:
      return metadata_security_key(c);
  }
  return not_found(a);
}

}  // namespace

Simulator::Simulator(Clock& clock, std::uint64_t seed) : clock_(clock) {
  state_.rng.seed(seed);
  redis_ = [](const std::string& host, int port, const Secret* current, const Secret& next) {
    return redis_set_password(host, port, current, next);
  };
}

void Simulator::set_logger(Logger* logger) {
  std::lock_guard lock(mu_);
  logger_ = logger;
}

void Simulator::set_redis(RedisSetter setter) {
  std::lock_guard lock(mu_);
  redis_ = std::move(setter);
}

http::ServerReply Simulator::handle(const http::ServerRequest& request) {
  CallRecord record;
  Outcome out;
  const bool admin_call = is_admin_path(request.path);
  {
    std::lock_guard lock(mu_);
    record.time = clock_.now();
    record.method = request.method;
    record.path = request.path;
    record.request = redact_body(request.body);
    if (admin_call) {
      out = admin(request);
    } else {
      record.seq = state_.next_call++;
      out = dispatch(request, record);
      // Real answers carry a request id; derived from the sequence so runs compare equal.
      out.reply.response.headers.set(
          "X-Request-Id", sha256_hex("request:" + std::to_string(record.seq)).substr(0, 32));
    }
    record.status = out.reply.response.status;
    record.outcome = out.outcome;
    if (out.reply.drop_connection) record.outcome += " (dropped)";
    if (!admin_call) {
      state_.calls.push_back(record);
      if (state_.calls.size() > kMaxCalls) {
        state_.calls.erase(state_.calls.begin(),
                           state_.calls.begin() + static_cast<std::ptrdiff_t>(kMaxCalls / 10));
      }
    }
  }
  log(record, admin_call);
  return std::move(out.reply);
}

Outcome Simulator::dispatch(const http::ServerRequest& request, CallRecord& record) {
  Outcome out = cloud_call(request, record);
  // Global latency reaches every cloud call, refused ones too; an instance's own replaces it.
  if (out.reply.delay.count() == 0 && state_.faults.latency_ms > 0) {
    out.reply.delay = std::chrono::milliseconds(state_.faults.latency_ms);
  }
  return out;
}

Outcome Simulator::cloud_call(const http::ServerRequest& request, CallRecord& record) {
  const auto route = match_route(request.method, request.path);
  if (!route) {
    record.action = "unknown";
    return gateway_error(404, "APIG.0101",
                         "The API does not exist or has not been published in the environment.");
  }
  record.action = to_string(route->action);
  if (issues_credentials(route->action)) {
    // Outside the faults: a test injecting "the next call fails" means a service call.
    CallContext c{request, *route, state_, clock_, nullptr, redis_};
    return run(route->action, c);
  }
  record.instance_id = route->instance_id;
  const AuthResult auth = authenticate(request, state_, clock_.now());
  if (!auth.principal) {
    record.principal = auth.claimed.empty() ? "" : auth.claimed + " (refused)";
    return auth.failure;
  }
  record.principal = auth.principal->name;
  if (auth.principal->by_token && auth.principal->project_id != route->project_id) {
    return gateway_error(401, "APIG.0301",
                         "Incorrect IAM authentication information: the token is not scoped to "
                         "the project in the path");
  }
  // With AK/SK the gateway takes the project from X-Project-Id; one that contradicts the
  // path is a malformed request rather than a bad credential.
  if (!auth.principal->by_token && !auth.principal->project_id.empty() &&
      auth.principal->project_id != route->project_id) {
    return gateway_error(400, "APIG.0201",
                         "API request error: X-Project-Id does not match the project in the path.");
  }
  const auto it = state_.instances.find(route->instance_id);
  if (it == state_.instances.end() || it->second.project_id != route->project_id ||
      !serves(route->action, it->second.service)) {
    return not_found(route->action);
  }
  Instance& inst = it->second;
  Faults* faults = &inst.faults;
  const bool setter = sets_password(route->action);
  Outcome out;
  Busy busy = Busy::kNone;
  if (auto limited = take_rate_limit(state_.faults, state_.rate_bucket, clock_.now())) {
    record.fault = "rate_limit";
    out = std::move(*limited);
  } else if (take_fault(FaultKind::kThrottle, faults, state_.faults, state_.rng)) {
    record.fault = "throttle";
    out = throttled();
  } else if (setter && (busy = take_busy(faults, state_.faults)) != Busy::kNone) {
    record.fault = std::string("busy:") + to_string(busy);
    out = busy_answer(route->action, busy);
  } else if (take_fault(FaultKind::kError, faults, state_.faults, state_.rng)) {
    record.fault = "error";
    out = internal_error(route->action);
  } else {
    CallContext c{request, *route, state_, clock_, &inst, redis_};
    out = run(route->action, c);
    // The password is applied (or refused) already; only the answer is lost.
    if (setter && take_fault(FaultKind::kDrop, faults, state_.faults, state_.rng)) {
      record.fault = "drop";
      out.reply.drop_connection = true;
    }
  }
  out.reply.delay = std::chrono::milliseconds(latency_ms(faults, state_.faults));
  return out;
}

void Simulator::log(const CallRecord& r, bool admin_call) {
  Logger* logger = nullptr;
  {
    std::lock_guard lock(mu_);
    logger = logger_;
  }
  if (!logger) return;
  if (admin_call) {
    logger->debug("admin",
                  {{"method", r.method}, {"path", r.path}, {"status", std::to_string(r.status)}});
    return;
  }
  logger->info("call", {{"seq", std::to_string(r.seq)},
                        {"method", r.method},
                        {"path", r.path},
                        {"action", r.action},
                        {"instance", r.instance_id},
                        {"principal", r.principal},
                        {"status", std::to_string(r.status)},
                        {"outcome", r.outcome},
                        {"fault", r.fault},
                        {"request", r.request}});
}

void Simulator::configure(const Json& config) {
  if (!config.is_object()) throw SpecError("the configuration must be a mapping");
  std::lock_guard lock(mu_);
  apply_credentials_spec(state_, config);
  apply_identity_spec(state_, config);
  if (const Json* instances = member(config, "instances")) {
    bool created = false;
    if (instances->is_array()) {
      for (const auto& spec : instances->as_array()) {
        const Json* id = member(spec, "id");
        if (!id || !id->is_string()) throw SpecError("every instance needs an 'id'");
        put_instance_locked(id->as_string(), spec, created);
      }
    } else if (instances->is_object()) {
      for (const auto& [id, spec] : instances->as_object()) put_instance_locked(id, spec, created);
    } else {
      throw SpecError("'instances' must be a list or a mapping");
    }
  }
  if (const Json* faults = member(config, "faults")) apply_faults_spec(state_.faults, *faults);
}

void Simulator::put_instance(const std::string& id, const Json& spec) {
  std::lock_guard lock(mu_);
  bool created = false;
  put_instance_locked(id, spec, created);
}

void Simulator::put_instance_locked(const std::string& id, const Json& spec, bool& created) {
  if (id.empty() || id.find('/') != std::string::npos) throw SpecError("bad instance id");
  const auto it = state_.instances.find(id);
  created = it == state_.instances.end();
  // Built on a copy, so a spec that fails halfway changes nothing.
  Instance inst = created ? Instance{} : it->second;
  if (created) {
    inst.id = id;
    inst.created_at = clock_.now();
  }
  apply_instance_spec(inst, spec, created);
  state_.instances[id] = std::move(inst);
}

void Simulator::put_credentials(const Json& spec) {
  std::lock_guard lock(mu_);
  apply_credentials_spec(state_, spec);
}

void Simulator::put_faults(const Json& spec) {
  std::lock_guard lock(mu_);
  apply_faults_spec(state_.faults, spec);
}

std::vector<CallRecord> Simulator::calls() const {
  std::lock_guard lock(mu_);
  return state_.calls;
}

std::optional<Json> Simulator::instance(const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto it = state_.instances.find(id);
  if (it == state_.instances.end()) return std::nullopt;
  return instance_view(it->second, clock_.now());
}

}  // namespace rotor::sim
