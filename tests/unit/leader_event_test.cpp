// The Event a replica records on the Lease when it takes over, as controller-runtime does:
// `kubectl describe lease` shows who led when. Against the fake API server and a ManualClock.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "controller/events.hpp"
#include "runtime/leader_election.hpp"
#include "testing/fake_api.hpp"

namespace rotor::controller {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
namespace res = kube::resources;

runtime::LeaderElectionOptions options(const std::string& identity) {
  runtime::LeaderElectionOptions o;
  o.lease_namespace = "rotor-system";
  o.lease_name = "rotor";
  o.identity = identity;
  return o;
}

TEST(LeaderEvent, EachTakeoverIsAnEventOnTheLease) {
  auto clock = std::make_shared<ManualClock>(TimePoint(hours(24 * 365 * 56)));
  kube::FakeApi api{clock};
  std::ostringstream out;
  Logger log{out};
  KubeEventRecorder events(api, *clock, log, "pod-x");
  std::unique_ptr<runtime::LeaderElector> a, b;
  auto elector = [&](const std::string& id, std::unique_ptr<runtime::LeaderElector>& self) {
    self = std::make_unique<runtime::LeaderElector>(
        api, *clock, log, options(id),
        runtime::LeaderCallbacks{
            [&, id] { events.leader_elected("rotor-system", "rotor", self->lease_uid(), id); },
            {}});
  };
  elector("a_1", a);
  elector("b_2", b);
  a->start();
  clock->advance(seconds(0));  // a creates the Lease
  b->start();
  clock->advance(seconds(2));
  ASSERT_TRUE(a->leading());
  a->stop();  // released: b takes it at its next attempt, by a replace
  clock->advance(seconds(2));
  ASSERT_TRUE(b->leading());

  const std::string uid =
      kube::get_string(*api.get(res::kLeases, "rotor-system", "rotor"), {"metadata", "uid"});
  ASSERT_FALSE(uid.empty());
  const auto listed = api.list(res::kCoreEvents, "rotor-system");
  ASSERT_TRUE(listed);
  std::vector<std::string> messages;
  for (const auto& e : listed->items) {
    EXPECT_EQ(kube::get_string(e, {"involvedObject", "apiVersion"}), "coordination.k8s.io/v1");
    EXPECT_EQ(kube::get_string(e, {"involvedObject", "kind"}), "Lease");
    EXPECT_EQ(kube::get_string(e, {"involvedObject", "namespace"}), "rotor-system");
    EXPECT_EQ(kube::get_string(e, {"involvedObject", "name"}), "rotor");
    EXPECT_EQ(kube::get_string(e, {"involvedObject", "uid"}), uid);
    EXPECT_EQ(kube::get_string(e, {"type"}), "Normal");
    EXPECT_EQ(kube::get_string(e, {"reason"}), "LeaderElection");
    EXPECT_EQ(kube::get_string(e, {"reportingInstance"}), "pod-x");
    messages.push_back(kube::get_string(e, {"message"}));
  }
  std::sort(messages.begin(), messages.end());  // listed by their generated names
  EXPECT_EQ(messages, (std::vector<std::string>{"a_1 became leader", "b_2 became leader"}));
  b->stop();
}

}  // namespace
}  // namespace rotor::controller
