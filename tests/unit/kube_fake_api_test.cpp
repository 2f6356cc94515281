// The fake API's write semantics: what controllers under test rely on.
#include <gtest/gtest.h>

#include "testing/fake_api.hpp"

namespace rotor::kube {
namespace {

using namespace resources;

Json J(const std::string& text) {
  return parse_json(text).value_or(Json::null());
}

Object secret(const std::string& name, const std::string& data_b64 = "YQ==") {
  return J(R"({"metadata":{"name":")" + name + R"(","labels":{"app":"rotor"}},"data":{"k":")" +
           data_b64 + R"("}})");
}

Object account(const std::string& name) {
  return J(R"({"metadata":{"name":")" + name +
           R"("},"spec":{"region":"eu-de","projectId":"p1"},"status":{"ready":true}})");
}

TEST(KubeFakeApi, CreateGetListRemove) {
  FakeApi api;
  auto created = api.create(kSecrets, "ns", secret("s1"));
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_EQ(get_string(*created, {"apiVersion"}), "v1");
  EXPECT_EQ(get_string(*created, {"kind"}), "Secret");
  EXPECT_EQ(namespace_of(*created), "ns");
  EXPECT_FALSE(get_string(*created, {"metadata", "uid"}).empty());
  EXPECT_FALSE(get_string(*created, {"metadata", "creationTimestamp"}).empty());
  EXPECT_EQ(resource_version_of(*created), "1");
  EXPECT_EQ(find(*created, {"metadata", "generation"}), nullptr) << "core objects: no generation";

  EXPECT_TRUE(api.create(kSecrets, "ns", secret("s1")).is(ErrorKind::kAlreadyExists));
  ASSERT_TRUE(api.create(kSecrets, "other", secret("s1")).ok()) << "names are per namespace";
  ASSERT_TRUE(api.create(kConfigMaps, "ns", J(R"({"metadata":{"name":"s1"}})")).ok());

  auto got = api.get(kSecrets, "ns", "s1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, *created);
  auto missing = api.get(kSecrets, "ns", "nope");
  EXPECT_TRUE(missing.is(ErrorKind::kNotFound));
  EXPECT_EQ(missing.error().http_status, 404);
  EXPECT_EQ(missing.error().message, "secrets \"nope\" not found");

  auto in_ns = api.list(kSecrets, "ns");
  ASSERT_TRUE(in_ns.ok());
  EXPECT_EQ(in_ns->items.size(), 1u);
  EXPECT_EQ(in_ns->resource_version, "3");
  EXPECT_EQ(api.list(kSecrets, "")->items.size(), 2u) << "all namespaces";

  ASSERT_TRUE(api.remove(kSecrets, "ns", "s1").ok());
  EXPECT_TRUE(api.get(kSecrets, "ns", "s1").is(ErrorKind::kNotFound));
  EXPECT_TRUE(api.remove(kSecrets, "ns", "s1").is(ErrorKind::kNotFound));
  EXPECT_EQ(api.resource_version(), "4");
}

TEST(KubeFakeApi, CreateChecksNamespaceNameAndResourceVersion) {
  FakeApi api;
  EXPECT_TRUE(api.create(kSecrets, "", secret("s")).is(ErrorKind::kBadRequest));
  EXPECT_TRUE(api.create(kSecrets, "a", J(R"({"metadata":{"name":"s","namespace":"b"}})"))
                  .is(ErrorKind::kBadRequest));
  EXPECT_TRUE(api.create(kSecrets, "a", J(R"({"metadata":{}})")).is(ErrorKind::kInvalid));
  EXPECT_TRUE(api.create(kSecrets, "a", J(R"({"metadata":{"name":"s","resourceVersion":"9"}})"))
                  .is(ErrorKind::kBadRequest));
  auto generated = api.create(kSecrets, "a", J(R"({"metadata":{"generateName":"tok-"}})"));
  ASSERT_TRUE(generated.ok());
  EXPECT_EQ(name_of(*generated).rfind("tok-", 0), 0u);
  EXPECT_GT(name_of(*generated).size(), 4u);
  auto cluster = api.create(kClusterCloudAccounts, "ignored", account("global"));
  ASSERT_TRUE(cluster.ok());
  EXPECT_EQ(find(*cluster, {"metadata", "namespace"}), nullptr);
  EXPECT_TRUE(api.get(kClusterCloudAccounts, "", "global").ok());
}

TEST(KubeFakeApi, ReplaceWithStaleResourceVersionConflicts) {
  FakeApi api;
  Object v1 = *api.create(kSecrets, "ns", secret("s"));
  Object edit = v1;
  edit["data"]["k"] = Json::string("Yg==");
  auto v2 = api.replace(kSecrets, "ns", edit);
  ASSERT_TRUE(v2.ok()) << v2.error().describe();
  EXPECT_NE(resource_version_of(*v2), resource_version_of(v1));
  EXPECT_EQ(get_string(*v2, {"data", "k"}), "Yg==");

  // A second writer still holding v1 loses.
  auto stale = api.replace(kSecrets, "ns", v1);
  EXPECT_TRUE(stale.is(ErrorKind::kConflict));
  EXPECT_EQ(stale.error().http_status, 409);
  EXPECT_NE(stale.error().message.find("the object has been modified"), std::string::npos);

  // Without a resourceVersion a core object is replaced unconditionally.
  Object blind = secret("s", "Yw==");
  ASSERT_TRUE(api.replace(kSecrets, "ns", blind).ok());
  EXPECT_TRUE(api.replace(kSecrets, "ns", secret("nope")).is(ErrorKind::kNotFound));

  // Identity fields stay the server's.
  Object tamper = *api.get(kSecrets, "ns", "s");
  tamper["metadata"]["uid"] = Json::string("forged");
  EXPECT_EQ(get_string(*api.replace(kSecrets, "ns", tamper), {"metadata", "uid"}),
            get_string(v1, {"metadata", "uid"}));
}

TEST(KubeFakeApi, NoOpWritesKeepTheResourceVersion) {
  FakeApi api;
  Object v1 = *api.create(kSecrets, "ns", secret("s"));
  auto same = api.replace(kSecrets, "ns", v1);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(resource_version_of(*same), resource_version_of(v1));
  auto patched = api.patch(kSecrets, "ns", "s", PatchType::kMerge, J(R"({"data":{"k":"YQ=="}})"));
  EXPECT_EQ(resource_version_of(*patched), resource_version_of(v1));
}

TEST(KubeFakeApi, SecretStringDataBecomesData) {
  FakeApi api;
  auto s = api.create(kSecrets, "ns",
                      J(R"({"metadata":{"name":"s"},"stringData":{"password":"hunter2"}})"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(get_string(*s, {"data", "password"}), "aHVudGVyMg==");
  EXPECT_EQ(find(*s, {"stringData"}), nullptr);
}

TEST(KubeFakeApi, CustomResourcesGenerationAndStatusSubresource) {
  FakeApi api;
  auto v1 = api.create(kCloudAccounts, "ns", account("a"));
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(get_int(*v1, {"metadata", "generation"}), 1);
  EXPECT_EQ(find(*v1, {"status"}), nullptr) << "status is dropped on create";

  // Status through the main endpoint is ignored; metadata changes keep the generation.
  Object edit = *v1;
  edit["status"] = J(R"({"ready":true})");
  edit["metadata"]["labels"] = J(R"({"x":"y"})");
  auto v2 = api.replace(kCloudAccounts, "ns", edit);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(find(*v2, {"status"}), nullptr);
  EXPECT_EQ(get_int(*v2, {"metadata", "generation"}), 1);

  // A spec change bumps it.
  Object spec_edit = *v2;
  spec_edit["spec"]["region"] = Json::string("eu-nl");
  auto v3 = api.replace(kCloudAccounts, "ns", spec_edit);
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ(get_int(*v3, {"metadata", "generation"}), 2);

  // /status takes the status only, and checks the resourceVersion too.
  Object status_edit = *v3;
  status_edit["status"] = J(R"({"observedGeneration":2})");
  status_edit["spec"]["region"] = Json::string("ignored-1");
  auto v4 = api.replace_status(kCloudAccounts, "ns", status_edit);
  ASSERT_TRUE(v4.ok()) << v4.error().describe();
  EXPECT_EQ(get_int(*v4, {"status", "observedGeneration"}), 2);
  EXPECT_EQ(get_string(*v4, {"spec", "region"}), "eu-nl");
  EXPECT_EQ(get_int(*v4, {"metadata", "generation"}), 2);
  EXPECT_TRUE(api.replace_status(kCloudAccounts, "ns", status_edit).is(ErrorKind::kConflict));

  auto v5 = api.patch_status(kCloudAccounts, "ns", "a", PatchType::kMerge,
                             J(R"({"status":{"phase":"Ready"},"spec":{"region":"x"}})"));
  ASSERT_TRUE(v5.ok());
  EXPECT_EQ(get_string(*v5, {"status", "phase"}), "Ready");
  EXPECT_EQ(get_int(*v5, {"status", "observedGeneration"}), 2);
  EXPECT_EQ(get_string(*v5, {"spec", "region"}), "eu-nl");

  // Custom resources need a resourceVersion on update; Secrets have no /status.
  Object blind = *v5;
  erase_field(blind["metadata"], "resourceVersion");
  EXPECT_TRUE(api.replace(kCloudAccounts, "ns", blind).is(ErrorKind::kInvalid));
  EXPECT_TRUE(api.create(kSecrets, "ns", secret("s")).ok());
  EXPECT_TRUE(api.replace_status(kSecrets, "ns", secret("s")).is(ErrorKind::kNotFound));
}

TEST(KubeFakeApi, PatchTypes) {
  FakeApi api;
  Object v1 = *api.create(kSecrets, "ns", secret("s"));
  auto merged =
      api.patch(kSecrets, "ns", "s", PatchType::kMerge,
                J(R"({"metadata":{"labels":{"app":null,"new":"1"}},"data":{"j":"Yg=="}})"));
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(find(*merged, {"metadata", "labels", "app"}), nullptr);
  EXPECT_EQ(get_string(*merged, {"metadata", "labels", "new"}), "1");
  EXPECT_EQ(get_string(*merged, {"data", "j"}), "Yg==");

  // A JSON patch's test operation makes it conditional; failure changes nothing.
  auto failed = api.patch(kSecrets, "ns", "s", PatchType::kJson,
                          J(R"([{"op":"test","path":"/data/k","value":"nope"},
                                {"op":"remove","path":"/data/k"}])"));
  EXPECT_TRUE(failed.is(ErrorKind::kInvalid));
  auto json = api.patch(kSecrets, "ns", "s", PatchType::kJson,
                        J(R"([{"op":"test","path":"/data/k","value":"YQ=="},
                              {"op":"remove","path":"/data/k"}])"));
  ASSERT_TRUE(json.ok()) << json.error().describe();
  EXPECT_EQ(find(*json, {"data", "k"}), nullptr);

  // A resourceVersion inside a patch is a precondition.
  auto stale = api.patch(kSecrets, "ns", "s", PatchType::kMerge,
                         J(R"({"metadata":{"resourceVersion":")" + resource_version_of(v1) +
                           R"("},"data":{"z":"eg=="}})"));
  EXPECT_TRUE(stale.is(ErrorKind::kConflict));

  EXPECT_TRUE(
      api.patch(kSecrets, "ns", "nope", PatchType::kMerge, J("{}")).is(ErrorKind::kNotFound));
  // Apply creates what is missing.
  auto applied = api.patch(kConfigMaps, "ns", "cm", PatchType::kApply, J(R"({"data":{"a":"b"}})"));
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ(get_string(*api.get(kConfigMaps, "ns", "cm"), {"data", "a"}), "b");
}

TEST(KubeFakeApi, FinalizersHoldDeletionUntilRemoved) {
  FakeApi api;
  Object obj = account("a");
  obj["metadata"]["finalizers"] = J(R"(["rotor.dev/cleanup"])");
  Object v1 = *api.create(kCloudAccounts, "ns", obj);
  ASSERT_TRUE(api.remove(kCloudAccounts, "ns", "a").ok());
  auto pending = api.get(kCloudAccounts, "ns", "a");
  ASSERT_TRUE(pending.ok()) << "still there while a finalizer is";
  EXPECT_FALSE(get_string(*pending, {"metadata", "deletionTimestamp"}).empty());
  ASSERT_TRUE(api.patch(kCloudAccounts, "ns", "a", PatchType::kMerge,
                        J(R"({"metadata":{"finalizers":null}})"))
                  .ok());
  EXPECT_TRUE(api.get(kCloudAccounts, "ns", "a").is(ErrorKind::kNotFound));
}

TEST(KubeFakeApi, DeletePreconditions) {
  FakeApi api;
  Object v1 = *api.create(kSecrets, "ns", secret("s"));
  DeleteOptions wrong_uid;
  wrong_uid.uid = "other";
  EXPECT_TRUE(api.remove(kSecrets, "ns", "s", wrong_uid).is(ErrorKind::kConflict));
  DeleteOptions stale;
  stale.resource_version = "999";
  EXPECT_TRUE(api.remove(kSecrets, "ns", "s", stale).is(ErrorKind::kConflict));
  DeleteOptions right;
  right.uid = get_string(v1, {"metadata", "uid"});
  right.resource_version = resource_version_of(v1);
  EXPECT_TRUE(api.remove(kSecrets, "ns", "s", right).ok());
}

TEST(KubeFakeApi, ListSelectorsAndPaging) {
  FakeApi api;
  for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(api.create(kSecrets, "ns", secret(n)).ok());
  ASSERT_TRUE(api.create(kSecrets, "ns", J(R"({"metadata":{"name":"d"}})")).ok());
  ListOptions by_label;
  by_label.label_selector = "app=rotor";
  EXPECT_EQ(api.list(kSecrets, "ns", by_label)->items.size(), 3u);
  ListOptions by_field;
  by_field.field_selector = "metadata.name!=a";
  EXPECT_EQ(api.list(kSecrets, "ns", by_field)->items.size(), 3u);
  ListOptions bad;
  bad.label_selector = "x in y";
  EXPECT_TRUE(api.list(kSecrets, "ns", bad).is(ErrorKind::kBadRequest));

  ListOptions page;
  page.limit = 3;
  auto first = api.list(kSecrets, "ns", page);
  ASSERT_EQ(first->items.size(), 3u);
  ASSERT_FALSE(first->continue_token.empty());
  page.continue_token = first->continue_token;
  auto second = api.list(kSecrets, "ns", page);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(name_of(second->items[0]), "d");
  EXPECT_TRUE(second->continue_token.empty());
}

TEST(KubeFakeApi, FaultInjectionAndCallLog) {
  FakeApi api;
  ASSERT_TRUE(api.create(kSecrets, "ns", secret("s")).ok());
  api.fail_next(2, FakeApi::make_error(ErrorKind::kServerError, "etcd is sad"),
                FakeApi::Verb::kGet);
  EXPECT_TRUE(api.list(kSecrets, "ns").ok()) << "only gets fail";
  auto e = api.get(kSecrets, "ns", "s");
  EXPECT_TRUE(e.is(ErrorKind::kServerError));
  EXPECT_EQ(e.error().http_status, 500);
  EXPECT_TRUE(api.get(kSecrets, "ns", "s").is(ErrorKind::kServerError));
  EXPECT_TRUE(api.get(kSecrets, "ns", "s").ok()) << "two failures, then back to normal";

  api.fail_next(1, FakeApi::make_error(ErrorKind::kForbidden), std::nullopt, kConfigMaps);
  EXPECT_TRUE(api.get(kSecrets, "ns", "s").ok()) << "only configmaps fail";
  EXPECT_TRUE(api.list(kConfigMaps, "ns").is(ErrorKind::kForbidden));

  api.fail_next(1, FakeApi::make_error(ErrorKind::kTransport));
  auto t = api.create(kSecrets, "ns", secret("t"));
  EXPECT_TRUE(t.is(ErrorKind::kTransport));
  EXPECT_TRUE(api.get(kSecrets, "ns", "t").is(ErrorKind::kNotFound)) << "failed calls do nothing";

  const auto calls = api.calls();
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls[0].verb, FakeApi::Verb::kCreate);
  EXPECT_EQ(calls[0].resource, "secrets");
  EXPECT_EQ(calls[0].ns, "ns");
  EXPECT_EQ(calls[0].name, "s");
  api.clear_calls();
  EXPECT_TRUE(api.calls().empty());
}

}  // namespace
}  // namespace rotor::kube
