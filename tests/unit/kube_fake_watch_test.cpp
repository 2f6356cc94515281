// The fake API's watches: replay, live delivery, bookmarks, Gone, stopping.
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>

#include "testing/fake_api.hpp"

namespace rotor::kube {
namespace {

using namespace resources;
using namespace std::chrono_literals;

Json J(const std::string& text) {
  return parse_json(text).value_or(Json::null());
}

Object cm(const std::string& name, const std::string& app = "rotor") {
  return J(R"({"metadata":{"name":")" + name + R"(","labels":{"app":")" + app + R"("}}})");
}

// Collects events from a watch running on its own thread.
class Recorder {
 public:
  WatchHandler handler() {
    return [this](const WatchEvent& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
      return true;
    };
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 2s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
  }
  std::vector<WatchEvent> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchEvent> events_;
};

TEST(KubeFakeWatch, FromZeroListsThenStreamsLiveEvents) {
  FakeApi api;
  ASSERT_TRUE(api.create(kConfigMaps, "ns", cm("a")).ok());
  ASSERT_TRUE(api.create(kConfigMaps, "elsewhere", cm("x")).ok());
  Recorder rec;
  std::stop_source stop;
  WatchOptions o;
  auto done = std::async(std::launch::async, [&] {
    return api.watch(kConfigMaps, "ns", o, rec.handler(), stop.get_token());
  });
  ASSERT_TRUE(api.wait_for_watches(1, 2s));
  ASSERT_TRUE(rec.wait_for(1));

  Object b = *api.create(kConfigMaps, "ns", cm("b"));
  Object b2 = b;
  b2["data"] = J(R"({"k":"v"})");
  ASSERT_TRUE(api.replace(kConfigMaps, "ns", b2).ok());
  ASSERT_TRUE(api.remove(kConfigMaps, "ns", "a").ok());
  ASSERT_TRUE(rec.wait_for(4));
  stop.request_stop();
  ASSERT_EQ(done.wait_for(2s), std::future_status::ready) << "stop ends a waiting watch";
  const WatchResult result = done.get();
  EXPECT_EQ(result.end, WatchEnd::kStopped);

  const auto events = rec.events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].type, EventType::kAdded);
  EXPECT_EQ(name_of(events[0].object), "a");
  EXPECT_EQ(events[1].type, EventType::kAdded);
  EXPECT_EQ(name_of(events[1].object), "b");
  EXPECT_EQ(events[2].type, EventType::kModified);
  EXPECT_EQ(events[3].type, EventType::kDeleted);
  EXPECT_EQ(name_of(events[3].object), "a");
  EXPECT_EQ(result.last_resource_version, resource_version_of(events[3].object));
  EXPECT_EQ(result.last_resource_version, api.resource_version());
}

TEST(KubeFakeWatch, FromAResourceVersionReplaysWhatFollowed) {
  FakeApi api;
  ASSERT_TRUE(api.create(kConfigMaps, "ns", cm("a")).ok());
  auto listed = api.list(kConfigMaps, "ns");
  ASSERT_TRUE(api.create(kConfigMaps, "ns", cm("b")).ok());
  ASSERT_TRUE(api.remove(kConfigMaps, "ns", "a").ok());
  std::vector<WatchEvent> seen;
  WatchOptions o;
  o.resource_version = listed->resource_version;
  o.timeout_seconds = 1;
  const auto started = std::chrono::steady_clock::now();
  const WatchResult r = api.watch(kConfigMaps, "ns", o, [&](const WatchEvent& e) {
    seen.push_back(e);
    return true;
  });
  EXPECT_EQ(r.end, WatchEnd::kClosed) << "the timeout ends it like the server's";
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].type, EventType::kAdded);
  EXPECT_EQ(seen[1].type, EventType::kDeleted);
}

TEST(KubeFakeWatch, CompactedHistoryIsGone) {
  FakeApi api;
  Object a = *api.create(kConfigMaps, "ns", cm("a"));
  ASSERT_TRUE(api.create(kConfigMaps, "ns", cm("b")).ok());
  api.compact();
  std::vector<WatchEvent> seen;
  WatchOptions o;
  o.resource_version = resource_version_of(a);
  const WatchResult r = api.watch(kConfigMaps, "ns", o, [&](const WatchEvent& e) {
    seen.push_back(e);
    return true;
  });
  EXPECT_EQ(r.end, WatchEnd::kGone);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->kind, ErrorKind::kGone);
  EXPECT_EQ(r.error->http_status, 410);
  ASSERT_EQ(seen.size(), 1u) << "the ERROR event is delivered as the server sends it";
  EXPECT_EQ(seen[0].type, EventType::kError);
  EXPECT_EQ(get_int(seen[0].object, {"code"}), 410);
}

TEST(KubeFakeWatch, BookmarksOnlyWhenAskedAndCloseEndsCleanly) {
  FakeApi api;
  Recorder with, without;
  WatchOptions yes;
  yes.resource_version = api.resource_version();
  WatchOptions no = yes;
  no.allow_bookmarks = false;
  auto a =
      std::async(std::launch::async, [&] { return api.watch(kSecrets, "", yes, with.handler()); });
  auto b = std::async(std::launch::async,
                      [&] { return api.watch(kSecrets, "", no, without.handler()); });
  ASSERT_TRUE(api.wait_for_watches(2, 2s));
  ASSERT_TRUE(api.create(kSecrets, "ns", J(R"({"metadata":{"name":"s"}})")).ok());
  api.bookmark();
  ASSERT_TRUE(with.wait_for(2));
  ASSERT_TRUE(without.wait_for(1));
  api.close_watches();
  ASSERT_EQ(a.wait_for(2s), std::future_status::ready);
  ASSERT_EQ(b.wait_for(2s), std::future_status::ready);
  const WatchResult ra = a.get();
  EXPECT_EQ(ra.end, WatchEnd::kClosed);
  EXPECT_EQ(b.get().end, WatchEnd::kClosed);
  ASSERT_EQ(with.events().size(), 2u);
  EXPECT_EQ(with.events()[1].type, EventType::kBookmark);
  EXPECT_EQ(ra.last_resource_version, api.resource_version());
  EXPECT_EQ(without.events().size(), 1u);
}

TEST(KubeFakeWatch, LabelSelectorTurnsRelabelsIntoAddsAndDeletes) {
  FakeApi api;
  std::vector<WatchEvent> seen;
  ASSERT_TRUE(api.create(kSecrets, "ns", J(R"({"metadata":{"name":"unrelated"}})")).ok());
  WatchOptions o;
  o.resource_version = api.resource_version();  // "0" would mean "start with a listing"
  o.label_selector = "app=rotor";
  Object a = *api.create(kConfigMaps, "ns", cm("a", "other"));
  auto relabel = [&](const std::string& app) {
    ASSERT_TRUE(api.patch(kConfigMaps, "ns", "a", PatchType::kMerge,
                          J(R"({"metadata":{"labels":{"app":")" + app + R"("}}})"))
                    .ok());
  };
  relabel("rotor");  // enters the selection
  relabel("rotor");  // no-op
  ASSERT_TRUE(
      api.patch(kConfigMaps, "ns", "a", PatchType::kMerge, J(R"({"data":{"x":"1"}})")).ok());
  relabel("other");  // leaves it
  o.timeout_seconds = 1;
  api.watch(kConfigMaps, "ns", o, [&](const WatchEvent& e) {
    seen.push_back(e);
    return true;
  });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].type, EventType::kAdded);
  EXPECT_EQ(seen[1].type, EventType::kModified);
  EXPECT_EQ(seen[2].type, EventType::kDeleted);
}

TEST(KubeFakeWatch, HandlerMayCallTheApiAndStopTheWatch) {
  FakeApi api;
  ASSERT_TRUE(api.create(kConfigMaps, "ns", cm("a")).ok());
  int gets = 0;
  const WatchResult r = api.watch(kConfigMaps, "ns", WatchOptions{}, [&](const WatchEvent& e) {
    gets += api.get(kConfigMaps, "ns", name_of(e.object)).ok() ? 1 : 0;
    return false;
  });
  EXPECT_EQ(r.end, WatchEnd::kStopped);
  EXPECT_EQ(gets, 1);
}

TEST(KubeFakeWatch, InjectedFailures) {
  FakeApi api;
  api.fail_next(1, FakeApi::make_error(ErrorKind::kGone), FakeApi::Verb::kWatch);
  api.fail_next(1, FakeApi::make_error(ErrorKind::kForbidden), FakeApi::Verb::kWatch);
  auto never = [](const WatchEvent&) { return true; };
  EXPECT_EQ(api.watch(kSecrets, "ns", WatchOptions{}, never).end, WatchEnd::kGone);
  const WatchResult r = api.watch(kSecrets, "ns", WatchOptions{}, never);
  EXPECT_EQ(r.end, WatchEnd::kError);
  EXPECT_EQ(r.error->kind, ErrorKind::kForbidden);
  WatchOptions bad;
  bad.resource_version = "abc";
  EXPECT_EQ(api.watch(kSecrets, "ns", bad, never).end, WatchEnd::kError);
}

TEST(KubeFakeWatch, AlreadyStoppedTokenReturnsAtOnce) {
  FakeApi api;
  std::stop_source stop;
  stop.request_stop();
  const WatchResult r = api.watch(
      kSecrets, "ns", WatchOptions{}, [](const WatchEvent&) { return true; }, stop.get_token());
  EXPECT_EQ(r.end, WatchEnd::kStopped);
}

}  // namespace
}  // namespace rotor::kube
