#pragma once
// What the simulated cloud remembers: instances, credentials, issued tokens, faults and the
// call log. Plain data; the Simulator serialises every access behind one mutex.
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "util/clock.hpp"
#include "util/secret.hpp"

namespace rotor::sim {

// Kafka and RabbitMQ are both DMS: same reset call, same rules (doc 004).
enum class Service { kDcs, kDdm, kKafka, kRabbitMq };
const char* to_string(Service s);
bool parse_service(std::string_view text, Service& out);
inline bool is_dms(Service s) {
  return s == Service::kKafka || s == Service::kRabbitMq;
}

// Why an instance refuses a password call for now (api-notes "Other DCS errors": all
// retryable). DDM and DMS answer their own "busy" codes for any kind.
enum class Busy {
  kNone,
  kNotRunning,        // DCS.4049, the instance is not running (status RESTARTING)
  kChangingPassword,  // DCS.4115, another password change is under way
  kJobRunning,        // DCS.4017, a job (scaling, backup, ...) is still running
};
const char* to_string(Busy b);
bool parse_busy(std::string_view text, Busy& out);

// Injected failures, per instance or global. A `*_next` counter fires on exactly the next N
// eligible calls (tests that must be exact); a `*_rate` fires at random from the seeded
// generator (soak runs that must be reproducible). Counters are consumed before rates.
struct Faults {
  int latency_ms = 0;     // every answer waits this long
  double error_rate = 0;  // 500 with the service's error body, nothing applied
  int error_next = 0;
  double throttle_rate = 0;  // 429 APIG.0308, nothing applied
  int throttle_next = 0;
  Busy busy = Busy::kNone;  // 400 busy answers to password calls...
  int busy_calls = 0;       // ...for the next N of them, or until cleared when 0
  double drop_rate = 0;     // password calls: apply, then close without answering
  int drop_next = 0;
  // The gateway's request-rate limit (global faults only): a token bucket of
  // rate_limit_burst calls (0: one second's worth) refilled at rate_limit_per_s; a call that
  // finds it empty answers 429 APIG.0308, nothing applied. 0: no limit.
  double rate_limit_per_s = 0;
  int rate_limit_burst = 0;
  // Throttled answers carry Retry-After: the seconds until the bucket holds a call again
  // (rounded up). The documents name no such header, so it is off unless asked for.
  bool rate_limit_retry_after = false;
};

// The bucket behind Faults::rate_limit_per_s.
struct RateBucket {
  double tokens = -1;  // < 0: not filled yet
  TimePoint last{};
  std::uint64_t passed = 0;
  std::uint64_t throttled = 0;
};

struct Instance {
  std::string id;
  std::string name;
  std::string project_id;
  Service service = Service::kDcs;
  // Rules (password::find_version ids) the instance enforces: `doc_version` for the reset
  // call of its service, `change_doc_version` for the DCS change call.
  std::string doc_version;
  std::string change_doc_version;
  Secret password;                      // DCS, Kafka, RabbitMQ
  bool password_free = false;           // DCS no_password_access
  bool reset_unsupported = false;       // DCS: the reset call answers DCS.4839
  std::map<std::string, Secret> users;  // DDM accounts
  std::string engine_version = "5.0";
  // A real redis-server the instance's password is pushed to (0: none).
  std::string redis_host = "127.0.0.1";
  int redis_port = 0;
  // DCS change lockout (doc 001): 5 tries, then change and reset refuse for 5 minutes.
  int retry_times_left = 5;
  TimePoint locked_until{};
  Faults faults;
  TimePoint created_at{};
};

struct AccessKeyState {
  Secret secret_key;
  Secret security_token;   // temporary credentials: requests must carry it
  TimePoint expires_at{};  // temporary credentials issued by the simulator; {}: never
  int consecutive_failures = 0;
  TimePoint locked_until{};
};

struct IamUser {
  Secret password;
  std::string domain;  // account name
  int failures = 0;    // wrong passwords, for tests; IAM lockout is not simulated
};

struct IssuedToken {
  std::string user;
  std::string domain;
  std::string project_id;
  TimePoint expires_at{};
};

// OIDC federation (IAM identity provider of the cluster's service-account issuer).
struct OidcProvider {
  std::string provider_id;            // X-Idp-Id
  std::string issuer;                 // iss
  std::string audience;               // must be one of aud
  std::vector<std::string> subjects;  // allowed sub, e.g. system:serviceaccount:ns:name
  std::string jwks;                   // the JWKS document (JSON text)
  Duration token_lifetime = std::chrono::hours(24);
};

// Where temporary AK/SK come from: Pod Identity (with its authorization token) and the ECS
// metadata service. Absent from State: the endpoint does not exist.
struct PodIdentity {
  Secret token;  // the Authorization header the agent expects
  Duration lifetime = std::chrono::hours(1);
};
struct MetadataService {
  Duration lifetime = std::chrono::hours(1);
};

// One received call, as the log shows it: never a password, a key or a token.
struct CallRecord {
  std::uint64_t seq = 0;
  TimePoint time{};
  std::string method;
  std::string path;    // raw
  std::string action;  // "dcs.reset", "iam.token", ... or "unknown"
  std::string instance_id;
  std::string principal;  // "ak:<AK>", "token:<user>" or empty
  int status = 0;         // what was (or, when dropped, would have been) answered
  std::string outcome;    // "success", "passwordFailed", an error code, ...
  std::string fault;      // the injected fault that shaped the answer, if any
  std::string request;    // the body with secrets replaced by their lengths
};

struct State {
  std::map<std::string, Instance> instances;
  std::map<std::string, AccessKeyState> access_keys;
  std::map<std::string, IamUser> iam_users;
  std::map<std::string, IssuedToken> tokens;
  std::optional<OidcProvider> oidc;
  std::optional<PodIdentity> pod_identity;
  std::optional<MetadataService> metadata;
  Faults faults;  // global, applied after an instance's own
  RateBucket rate_bucket;
  std::vector<CallRecord> calls;
  std::uint64_t next_call = 1;
  std::mt19937_64 rng;
};

// Lockout bookkeeping shared by the DCS handlers and the admin view.
bool dcs_locked(const Instance& inst, TimePoint now);
// Minutes left, rounded up (doc 001: 0-5).
int dcs_lock_minutes_left(const Instance& inst, TimePoint now);

}  // namespace rotor::sim
