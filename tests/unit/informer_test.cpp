// The informer against the fake API server, with a ManualClock: a failed list or watch backs
// off on a clock timer, so the test reconnects it by moving time, and stop() ends a backoff
// the clock never finishes. Real waits are only thread hand-offs, bounded by a generous
// guard, never asserted as latencies.
#include "runtime/informer.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "testing/fake_api.hpp"

namespace rotor::runtime {
namespace {

using kube::FakeApi;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
namespace res = kube::resources;

const TimePoint kStart = TimePoint(hours(24 * 365 * 56));
constexpr auto kGuard = seconds(20);  // "did not hang", not a latency bound

template <typename Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kGuard;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

kube::Object secret(const std::string& name) {
  return kube::parse_json(R"({"metadata":{"name":")" + name + R"("},"data":{}})").value();
}

std::size_t count(const FakeApi& api, FakeApi::Verb verb) {
  std::size_t n = 0;
  for (const auto& c : api.calls()) n += c.verb == verb;
  return n;
}

struct InformerFixture {
  InformerFixture() { EXPECT_TRUE(api.create(res::kSecrets, "ns", secret("s1"))); }

  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(kStart);
  FakeApi api{clock};
  std::ostringstream out;
  Logger log{out};
  Informer informer{api, *clock, res::kSecrets, "ns", [](kube::EventType, const kube::Object&) {},
                    log};
};

TEST(Informer, AFailedListBacksOffOnTheClockAndAdvancingItRelists) {
  InformerFixture f;
  f.api.fail_next(1, FakeApi::make_error(kube::ErrorKind::kServerError), FakeApi::Verb::kList);
  f.informer.start();
  // The failed list leaves one backoff timer on the clock, 800 ms to 30 s ahead.
  ASSERT_TRUE(eventually([&] { return f.clock->pending_timers() == 1; }));
  const TimePoint due = *f.clock->next_timer();
  EXPECT_GE(due - kStart, milliseconds(800));
  EXPECT_LE(due - kStart, seconds(30));
  f.clock->set(due - nanoseconds(1));
  EXPECT_EQ(f.clock->pending_timers(), 1u) << "the backoff ended early";
  EXPECT_EQ(count(f.api, FakeApi::Verb::kList), 1u);
  f.clock->set(due);
  ASSERT_TRUE(f.informer.wait_synced(kGuard));
  EXPECT_EQ(count(f.api, FakeApi::Verb::kList), 2u);
  EXPECT_EQ(f.informer.items().size(), 1u);
}

TEST(Informer, AFailedWatchBacksOffOnTheClockAndStopEndsTheBackoff) {
  InformerFixture f;
  f.api.fail_next(1, FakeApi::make_error(kube::ErrorKind::kForbidden), FakeApi::Verb::kWatch);
  f.informer.start();
  ASSERT_TRUE(f.informer.wait_synced(kGuard));
  ASSERT_TRUE(eventually([&] { return f.clock->pending_timers() == 1; }));
  EXPECT_EQ(count(f.api, FakeApi::Verb::kWatch), 1u);
  f.clock->set(*f.clock->next_timer());
  ASSERT_TRUE(f.api.wait_for_watches(1, kGuard)) << "watching again after the backoff";
  // A change made now reaches the cache through the new watch.
  ASSERT_TRUE(f.api.create(res::kSecrets, "ns", secret("s2")));
  ASSERT_TRUE(eventually([&] { return f.informer.items().size() == 2; }));

  // Fail again, then stop in the middle of a backoff the clock will never finish.
  f.api.fail_next(1, FakeApi::make_error(kube::ErrorKind::kForbidden), FakeApi::Verb::kWatch);
  f.api.close_watches();
  ASSERT_TRUE(eventually([&] { return f.clock->pending_timers() == 1; }));
  f.informer.stop();
  EXPECT_EQ(f.clock->pending_timers(), 0u) << "stop() cancels the backoff timer";
}

TEST(Informer, ListsInPages) {
  auto clock = std::make_shared<ManualClock>(kStart);
  FakeApi api{clock};
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(api.create(res::kSecrets, "ns", secret("p" + std::to_string(i))));
  std::ostringstream out;
  Logger log{out};
  InformerOptions options;
  options.page_size = 3;
  Informer informer{api, *clock, res::kSecrets, "ns", [](kube::EventType, const kube::Object&) {},
                    log, options};
  informer.start();
  ASSERT_TRUE(informer.wait_synced(kGuard));
  EXPECT_EQ(informer.items().size(), 7u);
  EXPECT_EQ(count(api, FakeApi::Verb::kList), 3u);  // 3 + 3 + 1
}

// A server that ends every watch at once must not make the informer spin.
TEST(Informer, AWatchClosedAtOnceBacksOffAndALongOneReconnectsAtOnce) {
  InformerFixture f;
  f.informer.start();
  ASSERT_TRUE(f.informer.wait_synced(kGuard));
  ASSERT_TRUE(f.api.wait_for_watches(1, kGuard));
  f.api.close_watches();  // no time has passed: "at once"
  ASSERT_TRUE(eventually([&] { return f.clock->pending_timers() == 1; }));
  EXPECT_EQ(count(f.api, FakeApi::Verb::kWatch), 1u);
  f.clock->set(*f.clock->next_timer());
  ASSERT_TRUE(f.api.wait_for_watches(1, kGuard));
  EXPECT_EQ(count(f.api, FakeApi::Verb::kWatch), 2u);
  f.clock->advance(std::chrono::minutes(5));  // a watch that ran its normal course
  f.api.close_watches();
  ASSERT_TRUE(eventually([&] { return count(f.api, FakeApi::Verb::kWatch) == 3; }));
  EXPECT_EQ(f.clock->pending_timers(), 0u);
}

TEST(Informer, ALabelSelectorLimitsWhatIsListedAndWatched) {
  auto clock = std::make_shared<ManualClock>(kStart);
  FakeApi api{clock};
  std::ostringstream out;
  Logger log{out};
  auto labelled = [](const std::string& name, const std::string& by) {
    return kube::parse_json(R"({"metadata":{"name":")" + name +
                            R"(","labels":{"app.kubernetes.io/managed-by":")" + by + R"("}}})")
        .value();
  };
  ASSERT_TRUE(api.create(res::kSecrets, "ns", labelled("ours", "rotor")));
  ASSERT_TRUE(api.create(res::kSecrets, "ns", labelled("helms", "Helm")));
  InformerOptions options;
  options.label_selector = "app.kubernetes.io/managed-by=rotor";
  std::mutex mu;
  std::vector<std::string> seen;
  Informer informer(
      api, *clock, res::kSecrets, "ns",
      [&](kube::EventType, const kube::Object& obj) {
        std::lock_guard lock(mu);
        seen.push_back(kube::name_of(obj));
      },
      log, options);
  informer.start();
  ASSERT_TRUE(informer.wait_synced(kGuard));
  ASSERT_TRUE(api.wait_for_watches(1, kGuard));
  ASSERT_TRUE(api.create(res::kSecrets, "ns", labelled("theirs", "kubectl")));
  ASSERT_TRUE(api.create(res::kSecrets, "ns", labelled("ours-too", "rotor")));
  // Watch events arrive in order: once "ours-too" is seen, "theirs" was filtered out.
  ASSERT_TRUE(eventually([&] { return informer.items().size() == 2; }));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"ours", "ours-too"}));
}

TEST(Informer, IndexesFollowAddsUpdatesAndDeletesAndTheCacheDropsManagedFields) {
  auto clock = std::make_shared<ManualClock>(kStart);
  FakeApi api{clock};
  std::ostringstream out;
  Logger log{out};
  auto with = [](const std::string& name, const std::string& group) {
    return kube::parse_json(R"({"metadata":{"name":")" + name + R"(","labels":{"g":")" + group +
                            R"("},"managedFields":[{"manager":"kubectl"}]},"data":{}})")
        .value();
  };
  ASSERT_TRUE(api.create(res::kSecrets, "ns", with("a", "red")));
  ASSERT_TRUE(api.create(res::kSecrets, "ns", with("b", "red")));
  InformerOptions options;
  options.indexers["group"] = [](const kube::Object& o) {
    return std::vector<std::string>{kube::get_string(o, {"metadata", "labels", "g"})};
  };
  Informer informer{api, *clock, res::kSecrets, "ns", [](kube::EventType, const kube::Object&) {},
                    log, options};
  informer.start();
  ASSERT_TRUE(informer.wait_synced(kGuard));
  EXPECT_EQ(informer.by_index("group", "red").size(), 2u);
  EXPECT_TRUE(informer.by_index("group", "blue").empty());
  EXPECT_TRUE(informer.by_index("no such index", "red").empty());
  EXPECT_FALSE(informer.get("ns", "a")->at("metadata").has_field("managedFields"));
  // b moves to blue: the old value no longer finds it.
  auto b = api.get(res::kSecrets, "ns", "b");
  ASSERT_TRUE(b);
  (*b)["metadata"]["labels"]["g"] = kube::Json::string("blue");
  ASSERT_TRUE(api.replace(res::kSecrets, "ns", *b));
  ASSERT_TRUE(eventually([&] { return informer.by_index("group", "blue").size() == 1; }));
  EXPECT_EQ(informer.by_index("group", "red").size(), 1u);
  ASSERT_TRUE(api.remove(res::kSecrets, "ns", "a"));
  ASSERT_TRUE(eventually([&] { return informer.by_index("group", "red").empty(); }));
  const auto keys = informer.keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], (std::pair<std::string, std::string>{"ns", "b"}));
  informer.stop();
}

}  // namespace
}  // namespace rotor::runtime
