// The admin API under /_sim/: what a test reads and sets. Unauthenticated, so it answers
// loopback clients only (and in-process calls, which have no peer).
//
//   GET    /_sim/instances              every instance (current passwords included)
//   GET    /_sim/instances/{id}         one instance
//   PUT    /_sim/instances/{id}         create (201) or update (200), spec.hpp's fields
//   DELETE /_sim/instances/{id}
//   GET    /_sim/calls[?since=SEQ]      the call log, secrets redacted
//   DELETE /_sim/calls
//   GET    /_sim/faults, PUT /_sim/faults   global faults (PUT merges)
//   GET    /_sim/credentials, PUT /_sim/credentials   access keys and IAM users
//   GET    /_sim/clock, POST /_sim/clock {"advance_seconds": N}   move simulated time
//   PUT    /_sim/identity               oidc / pod_identity / metadata sections (spec.hpp)
#include <charconv>
#include <chrono>

#include "sim/simulator.hpp"

namespace rotor::sim {
namespace {

Outcome admin_error(int status, const std::string& message) {
  Json v = Json::object(true);
  v["error"] = Json::string(message);
  return json_outcome(status, v, "admin_error");
}

Outcome ok(const Json& v, int status = 200) {
  return json_outcome(status, v, "ok");
}

bool loopback(const std::string& peer) {
  return peer.empty() || peer.rfind("127.", 0) == 0 || peer.rfind("::1:", 0) == 0 ||
         peer.rfind("::ffff:127.", 0) == 0;
}

std::uint64_t since_param(const std::string& query) {
  const auto pos = query.find("since=");
  if (pos == std::string::npos) return 0;
  std::uint64_t v = 0;
  const char* begin = query.data() + pos + 6;
  std::from_chars(begin, query.data() + query.size(), v);
  return v;
}

}  // namespace

Outcome Simulator::admin(const http::ServerRequest& req) {
  if (!loopback(req.peer)) return admin_error(403, "the admin API answers loopback clients only");
  const std::string& m = req.method;
  const std::string& p = req.path;
  const TimePoint now = clock_.now();
  Json body;
  const bool has_body = parse_object(req.body, body);
  const bool writes = m == "PUT" || m == "POST";
  if (writes && !has_body) return admin_error(400, "a JSON object body is required");
  try {
    if (p == "/_sim/instances" && m == "GET") {
      Json list = Json::array();
      std::size_t i = 0;
      for (const auto& [id, inst] : state_.instances) list[i++] = instance_view(inst, now);
      Json v = Json::object(true);
      v["instances"] = list;
      return ok(v);
    }
    if (p.rfind("/_sim/instances/", 0) == 0) {
      const std::string id = p.substr(16);
      if (m == "PUT") {
        bool created = false;
        put_instance_locked(id, body, created);
        return ok(instance_view(state_.instances.at(id), now), created ? 201 : 200);
      }
      const auto it = state_.instances.find(id);
      if (it == state_.instances.end()) return admin_error(404, "no instance '" + id + "'");
      if (m == "GET") return ok(instance_view(it->second, now));
      if (m == "DELETE") {
        state_.instances.erase(it);
        return ok(Json::object());
      }
    }
    if (p == "/_sim/calls" && m == "GET") {
      const std::uint64_t since = since_param(req.query);
      Json list = Json::array();
      std::size_t i = 0;
      for (const auto& c : state_.calls) {
        if (c.seq > since) list[i++] = call_view(c);
      }
      Json v = Json::object(true);
      v["calls"] = list;
      return ok(v);
    }
    if (p == "/_sim/calls" && m == "DELETE") {
      state_.calls.clear();
      return ok(Json::object());
    }
    if (p == "/_sim/faults" && (m == "GET" || m == "PUT")) {
      if (m == "PUT") apply_faults_spec(state_.faults, body);
      return ok(faults_view(state_.faults));
    }
    if (p == "/_sim/rate_limit" && m == "GET") {
      Json v = Json::object(true);
      v["passed"] = Json::number(static_cast<double>(state_.rate_bucket.passed));
      v["throttled"] = Json::number(static_cast<double>(state_.rate_bucket.throttled));
      return ok(v);
    }
    if (p == "/_sim/credentials" && (m == "GET" || m == "PUT")) {
      if (m == "PUT") apply_credentials_spec(state_, body);
      return ok(credentials_view(state_, now));
    }
    if (p == "/_sim/identity" && m == "PUT") {
      apply_identity_spec(state_, body);
      Json v = Json::object(true);
      v["oidc"] = Json::boolean(state_.oidc.has_value());
      v["pod_identity"] = Json::boolean(state_.pod_identity.has_value());
      v["metadata"] = Json::boolean(state_.metadata.has_value());
      return ok(v);
    }
    if (p == "/_sim/clock" && (m == "GET" || m == "POST")) {
      if (m == "POST") {
        const Json* s = member(body, "advance_seconds");
        if (!s || !s->is_integer() || s->as_integer() < 0) {
          return admin_error(400, "'advance_seconds' must be a non-negative integer");
        }
        const auto d = std::chrono::seconds(s->as_integer());
        if (auto* manual = dynamic_cast<ManualClock*>(&clock_)) {
          manual->advance(d);
        } else if (auto* offset = dynamic_cast<OffsetClock*>(&clock_)) {
          offset->advance(d);
        } else {
          return admin_error(409, "this simulator's clock cannot be moved");
        }
      }
      Json v = Json::object(true);
      v["now"] = Json::string(format_rfc3339(clock_.now()));
      return ok(v);
    }
  } catch (const SpecError& e) {
    return admin_error(400, e.what());
  }
  return admin_error(404, "no admin call " + m + " " + p);
}

}  // namespace rotor::sim
