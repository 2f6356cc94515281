#pragma once
// Leader election on a coordination.k8s.io/v1 Lease, after client-go's leaderelection, so
// that of several replicas only one reconciles (two would race on the same rotation).
//
// Every retry period the elector looks at the Lease:
//  * standby: takes it when it is absent, released (no holder), or held by another whose
//    renewTime + leaseDurationSeconds has passed by our clock; taking and renewing are
//    read-modify-write with the resourceVersion, so of two candidates one wins and the
//    other gets Conflict and stays standby;
//  * leader: renews renewTime. A Conflict, or the Lease held by another, means another
//    replica took it: leadership is lost at once. Other failures (the apiserver away) are
//    retried until renew_deadline has passed since the last successful renewal; then
//    leadership is lost too, while the Lease still has lease_duration - renew_deadline to
//    run, so the old leader stops before anyone may take over. That holds only if an
//    attempt (a get and a replace) cannot hang past it: give the elector an Api whose
//    request timeout is at most (lease_duration - renew_deadline) / 2
//    (election_request_timeout()).
// Losing leadership is final for an elector (on_stopped_leading runs once): the process is
// expected to exit and come back as a standby, as with controller-runtime.
//
// Time and waits come from the injected Clock: each attempt runs in a Clock timer, so a
// test's ManualClock runs attempts inside advance(), on the test's thread. Attempts make
// blocking API calls; production gives the elector a SystemClock of its own, whose timer
// thread does nothing else.
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "kube/api.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

namespace rotor::runtime {

struct LeaderElectionOptions {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per process: pod name + a random suffix
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);
  // On stop(), hand the Lease back (holder cleared, duration 1 s) so a standby takes over
  // at its next attempt instead of after the lease duration.
  bool release_on_stop = true;
};

// "" when the options are usable, else why not (lease_duration > renew_deadline >
// retry_period > 0, names and identity set).
std::string validate(const LeaderElectionOptions& o);

// The longest a Lease request may take: two of them (get, replace) fit in the time between
// the renew deadline and the lease's end. At least 500 ms.
std::chrono::milliseconds election_request_timeout(const LeaderElectionOptions& o);

struct LeaderCallbacks {
  std::function<void()> on_started_leading;  // on the elector's timer thread
  std::function<void()> on_stopped_leading;  // lost (not on stop()); at most once
};

class LeaderElector {
 public:
  // `api`, `clock` and `log` must outlive the elector. Throws std::invalid_argument for
  // options validate() refuses.
  LeaderElector(kube::Api& api, const Clock& clock, Logger& log, LeaderElectionOptions options,
                LeaderCallbacks callbacks);
  ~LeaderElector();  // as stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Schedules the first attempt at now() (a ManualClock runs it at the next advance()).
  void start();
  // Stops attempting; if leading (and release_on_stop), releases the Lease. Idempotent.
  void stop();

  bool leading() const;
  // The holder last seen on the Lease ("" if none or not read yet).
  std::string observed_holder() const;
  const std::string& identity() const { return o_.identity; }
  // The uid of the Lease as this elector last took it ("" before), for Events about it.
  std::string lease_uid() const;

 private:
  enum class Attempt { kLeading, kStandby, kLost };

  void tick();
  Attempt try_acquire();
  Attempt try_renew();
  void release();
  kube::Json lease_spec(TimePoint now, const kube::Json* old) const;
  void observe(const std::string& holder);

  kube::Api& api_;
  const Clock& clock_;
  Logger& log_;
  const LeaderElectionOptions o_;
  const LeaderCallbacks cb_;

  mutable std::mutex mu_;
  bool started_ = false;
  bool stopping_ = false;
  bool leading_ = false;
  bool lost_ = false;
  TimePoint last_renew_{};
  std::string observed_holder_;
  std::string lease_uid_;
  TimerHandle timer_;
};

// "2026-12-02T09:25:58.123456Z": the Lease's MicroTime (the apiserver wants all six digits).
std::string format_micro_time(TimePoint t);
// Parses RFC 3339 keeping up to six fraction digits; false if malformed.
bool parse_micro_time(const std::string& text, TimePoint& out);

}  // namespace rotor::runtime
