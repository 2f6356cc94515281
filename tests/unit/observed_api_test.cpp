// ObservedApi reports each request with its verb, resource and code, whatever the outcome,
// and passes results through untouched.
#include "kube/observed_api.hpp"

#include <gtest/gtest.h>

#include "testing/fake_api.hpp"

namespace rotor::kube {
namespace {

namespace res = resources;

struct ObservedApiTest : ::testing::Test {
  FakeApi fake;
  std::vector<std::string> seen;  // "verb resource code"
  ObservedApi api{
      fake, [this](std::string_view verb, std::string_view resource, std::string_view code) {
        seen.push_back(std::string(verb) + " " + std::string(resource) + " " + std::string(code));
      }};

  Object secret(const std::string& name) {
    Object o = Json::object();
    ensure_object(o, {"metadata"})["name"] = Json::string(name);
    return o;
  }
};

TEST_F(ObservedApiTest, CountsEachVerbWithItsCode) {
  ASSERT_TRUE(api.create(res::kSecrets, "ns", secret("s")));
  EXPECT_FALSE(api.create(res::kSecrets, "ns", secret("s")));  // AlreadyExists
  auto got = api.get(res::kSecrets, "ns", "s");
  ASSERT_TRUE(got);
  EXPECT_EQ(get_string(*got, {"metadata", "name"}), "s");
  EXPECT_TRUE(api.get(res::kSecrets, "ns", "missing").is(ErrorKind::kNotFound));
  ASSERT_TRUE(api.list(res::kSecrets, "ns"));
  ASSERT_TRUE(api.replace(res::kSecrets, "ns", *got));
  Json patch = Json::object();
  ensure_object(patch, {"metadata", "labels"})["a"] = Json::string("b");
  ASSERT_TRUE(api.patch(res::kSecrets, "ns", "s", PatchType::kMerge, patch));
  ASSERT_TRUE(api.remove(res::kSecrets, "ns", "s"));
  fake.fail_next(1, transport_error(http::TransportError::kTimeout, "timed out"));
  EXPECT_FALSE(api.get(res::kSecrets, "ns", "s"));
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "create secrets 201", "create secrets 409", "get secrets 200",
                      "get secrets 404", "list secrets 200", "update secrets 200",
                      "patch secrets 200", "delete secrets 200", "get secrets <error>"}));
}

TEST_F(ObservedApiTest, StatusWritesAndWatchesAreToldApart) {
  Object dcs = Json::object();
  ensure_object(dcs, {"metadata"})["name"] = Json::string("cache");
  ASSERT_TRUE(api.create(res::kDcsInstances, "ns", dcs));
  Json status = Json::object();
  ensure_object(status, {"status"})["phase"] = Json::string("Idle");
  ASSERT_TRUE(api.patch_status(res::kDcsInstances, "ns", "cache", PatchType::kMerge, status));
  WatchOptions once;
  once.resource_version = "0";
  const WatchResult w =
      api.watch(res::kDcsInstances, "ns", once, [](const WatchEvent&) { return false; });
  EXPECT_EQ(w.end, WatchEnd::kStopped);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"create dcsinstances 201", "patch dcsinstances/status 200",
                                      "watch dcsinstances 200"}));
}

}  // namespace
}  // namespace rotor::kube
