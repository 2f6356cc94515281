// runtime::ChangeFilter: which watch events of a rotated resource wake a reconcile.
#include <gtest/gtest.h>

#include "kube/json.hpp"
#include "runtime/change_filter.hpp"

namespace rotor::runtime {
namespace {

using kube::EventType;

kube::Object resource(std::int64_t generation) {
  auto obj = *kube::parse_json(R"({"metadata": {"name": "cache", "namespace": "team",
                              "annotations": {"note": "a"}, "labels": {"tier": "db"}},
                             "spec": {"instanceId": "dcs-1"}, "status": {"phase": "Idle"}})");
  obj["metadata"]["generation"] = kube::Json::number(static_cast<int64_t>(generation));
  return obj;
}

TEST(ChangeFilter, FirstSightWakesAndAStatusOnlyChangeDoesNot) {
  ChangeFilter f;
  auto obj = resource(1);
  EXPECT_TRUE(f.worth_reconcile(EventType::kAdded, obj));
  obj["status"]["phase"] = kube::Json::string("Prepared");
  EXPECT_FALSE(f.worth_reconcile(EventType::kModified, obj));
  // A relist delivers the same object again: nothing new.
  EXPECT_FALSE(f.worth_reconcile(EventType::kAdded, obj));
}

TEST(ChangeFilter, SpecLabelsAnnotationsAndDeletionWake) {
  ChangeFilter f;
  auto obj = resource(1);
  ASSERT_TRUE(f.worth_reconcile(EventType::kAdded, obj));
  obj["metadata"]["generation"] = kube::Json::number(static_cast<int64_t>(2));
  EXPECT_TRUE(f.worth_reconcile(EventType::kModified, obj));
  obj["metadata"]["annotations"]["rotor.dev/rotate-now"] = kube::Json::string("one");
  EXPECT_TRUE(f.worth_reconcile(EventType::kModified, obj));
  obj["metadata"]["labels"]["tier"] = kube::Json::string("cache");
  EXPECT_TRUE(f.worth_reconcile(EventType::kModified, obj));
  obj["metadata"]["deletionTimestamp"] = kube::Json::string("2026-12-02T12:00:00Z");
  EXPECT_TRUE(f.worth_reconcile(EventType::kModified, obj));
  EXPECT_FALSE(f.worth_reconcile(EventType::kModified, obj));
}

TEST(ChangeFilter, ADeletionForgetsSoTheSameNameIsNewAgain) {
  ChangeFilter f;
  auto obj = resource(1);
  ASSERT_TRUE(f.worth_reconcile(EventType::kAdded, obj));
  EXPECT_FALSE(f.worth_reconcile(EventType::kDeleted, obj));
  EXPECT_TRUE(f.worth_reconcile(EventType::kAdded, obj));
}

TEST(ChangeFilter, ObjectsAreToldApartByNamespaceAndName) {
  ChangeFilter f;
  auto a = resource(1);
  auto b = resource(1);
  b["metadata"]["namespace"] = kube::Json::string("other");
  EXPECT_TRUE(f.worth_reconcile(EventType::kAdded, a));
  EXPECT_TRUE(f.worth_reconcile(EventType::kAdded, b));
}

}  // namespace
}  // namespace rotor::runtime
