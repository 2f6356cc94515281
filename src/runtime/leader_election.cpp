#include "runtime/leader_election.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace rotor::runtime {
namespace {

namespace res = kube::resources;
using std::chrono::duration_cast;
using std::chrono::seconds;

std::int64_t whole_seconds(Duration d) {
  return duration_cast<seconds>(d).count();
}

std::string holder_of(const kube::Object& lease) {
  return kube::get_string(lease, {"spec", "holderIdentity"});
}

// Whether the holder's claim has run out by `now`: renewTime + leaseDurationSeconds. A
// Lease without a readable renewTime or duration claims nothing.
bool expired(const kube::Object& lease, TimePoint now) {
  TimePoint renewed;
  if (!parse_micro_time(kube::get_string(lease, {"spec", "renewTime"}), renewed)) return true;
  const std::int64_t duration = kube::get_int(lease, {"spec", "leaseDurationSeconds"}, 0);
  if (duration <= 0) return true;
  return now >= renewed + seconds(duration);
}

}  // namespace

bool parse_micro_time(const std::string& text, TimePoint& out) {
  if (!parse_rfc3339(text, out)) return false;
  // parse_rfc3339 drops the fraction; here it matters: without it a standby would take
  // over up to a second early.
  const auto dot = text.find('.');
  if (dot == std::string::npos) return true;
  std::int64_t micros = 0;
  int digits = 0;
  for (std::size_t i = dot + 1;
       i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    if (digits < 6) {
      micros = micros * 10 + (text[i] - '0');
      ++digits;
    }
  }
  for (; digits < 6; ++digits) micros *= 10;
  out += std::chrono::microseconds(micros);
  return true;
}

std::string format_micro_time(TimePoint t) {
  const auto since = t.time_since_epoch();
  const auto secs = duration_cast<seconds>(since);
  auto micros = duration_cast<std::chrono::microseconds>(since - secs).count();
  std::time_t tt = static_cast<std::time_t>(secs.count());
  if (micros < 0) {  // before the epoch: borrow a second
    micros += 1000000;
    --tt;
  }
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros));
  return buf;
}

std::string validate(const LeaderElectionOptions& o) {
  if (o.lease_name.empty()) return "the lease name is empty";
  if (o.lease_namespace.empty()) return "the lease namespace is empty";
  if (o.identity.empty()) return "the identity is empty";
  if (o.retry_period <= Duration::zero()) return "the retry period must be positive";
  if (o.renew_deadline <= o.retry_period)
    return "the renew deadline must be longer than the retry period";
  if (o.lease_duration <= o.renew_deadline)
    return "the lease duration must be longer than the renew deadline";
  if (whole_seconds(o.lease_duration) < 1) return "the lease duration must be at least 1s";
  return "";
}

std::chrono::milliseconds election_request_timeout(const LeaderElectionOptions& o) {
  const auto half =
      duration_cast<std::chrono::milliseconds>(o.lease_duration - o.renew_deadline) / 2;
  return std::max(half, std::chrono::milliseconds(500));
}

LeaderElector::LeaderElector(kube::Api& api, const Clock& clock, Logger& log,
                             LeaderElectionOptions options, LeaderCallbacks callbacks)
    : api_(api), clock_(clock), log_(log), o_(std::move(options)), cb_(std::move(callbacks)) {
  if (const std::string why = validate(o_); !why.empty())
    throw std::invalid_argument("leader election: " + why);
}

LeaderElector::~LeaderElector() {
  stop();
}

void LeaderElector::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  log_.info("leader election: standing as candidate",
            {{"lease", o_.lease_namespace + "/" + o_.lease_name}, {"identity", o_.identity}});
  timer_ = clock_.schedule_at(clock_.now(), [this] { tick(); });
}

void LeaderElector::stop() {
  TimerHandle timer;
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
    timer = timer_;
  }
  // Waits for an attempt in progress; none is scheduled after it (stopping_).
  clock_.cancel(timer);
  bool leading = false;
  {
    std::lock_guard lock(mu_);
    leading = leading_;
    leading_ = false;
  }
  if (leading && o_.release_on_stop) release();
}

bool LeaderElector::leading() const {
  std::lock_guard lock(mu_);
  return leading_;
}

std::string LeaderElector::lease_uid() const {
  std::lock_guard lock(mu_);
  return lease_uid_;
}

std::string LeaderElector::observed_holder() const {
  std::lock_guard lock(mu_);
  return observed_holder_;
}

void LeaderElector::tick() {
  bool leading = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || lost_) return;
    leading = leading_;
  }
  const Attempt a = leading ? try_renew() : try_acquire();
  bool started = false;
  bool lost = false;
  {
    std::lock_guard lock(mu_);
    if (a == Attempt::kLeading && !leading_) started = leading_ = true;
    if (a == Attempt::kLost) {
      leading_ = false;
      lost = lost_ = true;
    }
  }
  if (started) {
    log_.info("leader election: became leader", {{"identity", o_.identity}});
    if (cb_.on_started_leading) cb_.on_started_leading();
  }
  if (lost) {
    log_.warn("leader election: lost leadership", {{"identity", o_.identity}});
    if (cb_.on_stopped_leading) cb_.on_stopped_leading();
  }
  std::lock_guard lock(mu_);
  if (!stopping_ && !lost_)
    timer_ = clock_.schedule_at(clock_.now() + o_.retry_period, [this] { tick(); });
}

kube::Json LeaderElector::lease_spec(TimePoint now, const kube::Object* old) const {
  kube::Json spec = kube::Json::object();
  std::int64_t transitions = 0;
  std::string acquired = format_micro_time(now);
  if (old != nullptr) {
    transitions = kube::get_int(*old, {"spec", "leaseTransitions"}, 0);
    if (holder_of(*old) != o_.identity) {
      ++transitions;
    } else if (const auto at = kube::get_string(*old, {"spec", "acquireTime"}); !at.empty()) {
      acquired = at;
    }
  }
  spec["holderIdentity"] = kube::Json::string(o_.identity);
  spec["leaseDurationSeconds"] = kube::Json::number(whole_seconds(o_.lease_duration));
  spec["acquireTime"] = kube::Json::string(acquired);
  spec["renewTime"] = kube::Json::string(format_micro_time(now));
  spec["leaseTransitions"] = kube::Json::number(transitions);
  return spec;
}

void LeaderElector::observe(const std::string& holder) {
  {
    std::lock_guard lock(mu_);
    if (holder == observed_holder_) return;
    observed_holder_ = holder;
  }
  if (!holder.empty() && holder != o_.identity)
    log_.info("leader election: another replica leads", {{"leader", holder}});
}

LeaderElector::Attempt LeaderElector::try_acquire() {
  const TimePoint now = clock_.now();
  auto got = api_.get(res::kLeases, o_.lease_namespace, o_.lease_name);
  if (got.is(kube::ErrorKind::kNotFound)) {
    kube::Json lease = kube::Json::object();
    kube::Json& meta = kube::ensure_object(lease, {"metadata"});
    meta["name"] = kube::Json::string(o_.lease_name);
    meta["namespace"] = kube::Json::string(o_.lease_namespace);
    lease["spec"] = lease_spec(now, nullptr);
    auto created = api_.create(res::kLeases, o_.lease_namespace, lease);
    if (created.is(kube::ErrorKind::kAlreadyExists)) {
      return Attempt::kStandby;  // another candidate was quicker; the next attempt reads it
    }
    if (!created) {
      // E.g. the namespace does not exist, or RBAC refuses: said loudly, this replica
      // would otherwise wait as a standby for ever.
      log_.warn("leader election: creating the lease failed",
                {{"lease", o_.lease_namespace + "/" + o_.lease_name},
                 {"error", created.error().describe()}});
      return Attempt::kStandby;
    }
    observe(o_.identity);
    std::lock_guard lock(mu_);
    last_renew_ = now;
    lease_uid_ = kube::get_string(*created, {"metadata", "uid"});
    return Attempt::kLeading;
  }
  if (!got) {
    log_.warn("leader election: reading the lease failed", {{"error", got.error().describe()}});
    return Attempt::kStandby;
  }
  const std::string holder = holder_of(*got);
  observe(holder);
  if (!holder.empty() && holder != o_.identity && !expired(*got, now)) return Attempt::kStandby;
  kube::Object lease = *got;
  lease["spec"] = lease_spec(now, &*got);
  auto replaced = api_.replace(res::kLeases, o_.lease_namespace, lease);
  if (!replaced) {
    // Conflict: another candidate took it between our read and write.
    log_.debug("leader election: taking the lease failed",
               {{"error", replaced.error().describe()}});
    return Attempt::kStandby;
  }
  observe(o_.identity);
  std::lock_guard lock(mu_);
  last_renew_ = now;
  lease_uid_ = kube::get_string(*replaced, {"metadata", "uid"});
  return Attempt::kLeading;
}

LeaderElector::Attempt LeaderElector::try_renew() {
  const TimePoint now = clock_.now();
  auto failed = [&](const kube::Error& e) {
    TimePoint last;
    {
      std::lock_guard lock(mu_);
      last = last_renew_;
    }
    log_.warn("leader election: renewing the lease failed", {{"error", e.describe()}});
    // The time now, not at the attempt's start: the failed call may have taken long.
    return clock_.now() - last >= o_.renew_deadline ? Attempt::kLost : Attempt::kLeading;
  };
  auto got = api_.get(res::kLeases, o_.lease_namespace, o_.lease_name);
  if (!got) return failed(got.error());
  const std::string holder = holder_of(*got);
  observe(holder);
  if (holder != o_.identity) return Attempt::kLost;  // someone took it over
  kube::Object lease = *got;
  lease["spec"] = lease_spec(now, &*got);
  auto replaced = api_.replace(res::kLeases, o_.lease_namespace, lease);
  if (replaced.is(kube::ErrorKind::kConflict)) return Attempt::kLost;  // written by another
  if (!replaced) return failed(replaced.error());
  std::lock_guard lock(mu_);
  last_renew_ = now;
  return Attempt::kLeading;
}

void LeaderElector::release() {
  auto got = api_.get(res::kLeases, o_.lease_namespace, o_.lease_name);
  if (!got || holder_of(*got) != o_.identity) return;
  kube::Object lease = *got;
  kube::Json& spec = kube::ensure_object(lease, {"spec"});
  const std::string now = format_micro_time(clock_.now());
  spec["holderIdentity"] = kube::Json::string("");
  spec["leaseDurationSeconds"] = kube::Json::number(1);
  spec["acquireTime"] = kube::Json::string(now);
  spec["renewTime"] = kube::Json::string(now);
  auto replaced = api_.replace(res::kLeases, o_.lease_namespace, lease);
  if (replaced) {
    log_.info("leader election: released the lease", {{"identity", o_.identity}});
  } else {
    log_.warn("leader election: releasing the lease failed",
              {{"error", replaced.error().describe()}});
  }
}

}  // namespace rotor::runtime
