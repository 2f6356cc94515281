// controller::SecretStore over a cached read of the target Secret: a pass that read an older
// copy than the server holds writes nothing (so sends nothing) and the next pass starts from
// the Secret's current value. What is cached is played by a wrapper whose get() answers a
// copy taken earlier; get_fresh() reaches the server.
#include "controller/secret_store.hpp"

#include <gtest/gtest.h>

#include "testing/fake_api.hpp"

namespace rotor::controller {
namespace {

using kube::FakeApi;
using kube::Json;
namespace res = kube::resources;

// Everything goes to `live`, except get() of one Secret, which answers `stale`.
class StaleTargetReads final : public kube::Api {
 public:
  StaleTargetReads(FakeApi& live, kube::Object stale) : live_(live), stale_(std::move(stale)) {}
  kube::Result<kube::Object> get(const kube::ResourceRef& r, const std::string& ns,
                                 const std::string& name) override {
    if (r == res::kSecrets && name == kube::name_of(stale_)) return stale_;
    return live_.get(r, ns, name);
  }
  kube::Result<kube::Object> get_fresh(const kube::ResourceRef& r, const std::string& ns,
                                       const std::string& name) override {
    return live_.get(r, ns, name);
  }
  kube::Result<kube::ObjectList> list(const kube::ResourceRef& r, const std::string& ns,
                                      const kube::ListOptions& o) override {
    return live_.list(r, ns, o);
  }
  kube::Result<kube::Object> create(const kube::ResourceRef& r, const std::string& ns,
                                    const kube::Object& obj) override {
    return live_.create(r, ns, obj);
  }
  kube::Result<kube::Object> replace(const kube::ResourceRef& r, const std::string& ns,
                                     const kube::Object& obj) override {
    return live_.replace(r, ns, obj);
  }
  kube::Result<kube::Object> replace_status(const kube::ResourceRef& r, const std::string& ns,
                                            const kube::Object& obj) override {
    return live_.replace_status(r, ns, obj);
  }
  kube::Result<kube::Object> patch(const kube::ResourceRef& r, const std::string& ns,
                                   const std::string& name, kube::PatchType t, const Json& p,
                                   const kube::PatchOptions& o) override {
    return live_.patch(r, ns, name, t, p, o);
  }
  kube::Result<kube::Object> patch_status(const kube::ResourceRef& r, const std::string& ns,
                                          const std::string& name, kube::PatchType t, const Json& p,
                                          const kube::PatchOptions& o) override {
    return live_.patch_status(r, ns, name, t, p, o);
  }
  kube::Result<void> remove(const kube::ResourceRef& r, const std::string& ns,
                            const std::string& name, const kube::DeleteOptions& o) override {
    return live_.remove(r, ns, name, o);
  }
  kube::WatchResult watch(const kube::ResourceRef& r, const std::string& ns,
                          const kube::WatchOptions& o, const kube::WatchHandler& h,
                          std::stop_token stop) override {
    return live_.watch(r, ns, o, h, stop);
  }

 private:
  FakeApi& live_;
  kube::Object stale_;
};

RotatedResource cache_resource() {
  RotatedResource r;
  r.kind = ResourceKind::kDcsInstance;
  r.ns = "team";
  r.name = "cache";
  r.uid = "uid-1";
  r.secret_name = "cache-password";
  return r;
}

// "b2xk" is "old", "cGVyc29u" is "person".
Json target(const std::string& password_b64) {
  return kube::parse_json(R"({"metadata":{"name":"cache-password","labels":{
      "app.kubernetes.io/managed-by":"rotor"}},"data":{"password":")" +
                          password_b64 + R"("}})")
      .value();
}

TEST(SecretStore, ARecordIsNotWrittenOnAStaleReadOfTheTarget) {
  FakeApi api;
  ASSERT_TRUE(api.create(res::kSecrets, "team", target("b2xk")));
  auto stale = api.get(res::kSecrets, "team", "cache-password");
  ASSERT_TRUE(stale);
  // A person puts another password in after the cache's copy was taken.
  ASSERT_TRUE(api.patch(res::kSecrets, "team", "cache-password", kube::PatchType::kMerge,
                        kube::parse_json(R"({"data":{"password":"cGVyc29u"}})").value()));

  const RotatedResource r = cache_resource();
  StaleTargetReads reads(api, *stale);
  SecretStore store(reads, r);
  rotation::Snapshot snap;
  ASSERT_FALSE(store.load(snap));
  ASSERT_TRUE(snap.current);
  EXPECT_EQ(snap.current->reveal(), "old");
  const auto refused = store.save(rotation::RotationRecord{});
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("changed after this pass read it"), std::string::npos) << *refused;
  EXPECT_TRUE(api.get(res::kSecrets, "team", record_secret_name(r.kind, r.name))
                  .is(kube::ErrorKind::kNotFound));

  // The next pass reads what the Secret holds now, and may write.
  SecretStore next(api, r);
  rotation::Snapshot fresh;
  ASSERT_FALSE(next.load(fresh));
  EXPECT_EQ(fresh.current->reveal(), "person");
  EXPECT_FALSE(next.save(rotation::RotationRecord{}));
  EXPECT_TRUE(api.get(res::kSecrets, "team", record_secret_name(r.kind, r.name)));
}

TEST(SecretStore, AFreshReadIsConfirmedOncePerPass) {
  FakeApi api;
  ASSERT_TRUE(api.create(res::kSecrets, "team", target("b2xk")));
  const RotatedResource r = cache_resource();
  SecretStore store(api, r);
  rotation::Snapshot snap;
  ASSERT_FALSE(store.load(snap));
  EXPECT_FALSE(store.save(rotation::RotationRecord{}));
  // Changed after the confirmation: the record write itself is still guarded by its
  // resourceVersion, and the target's by its own; the store does not read again.
  ASSERT_TRUE(api.patch(res::kSecrets, "team", "cache-password", kube::PatchType::kMerge,
                        kube::parse_json(R"({"data":{"password":"cGVyc29u"}})").value()));
  EXPECT_FALSE(store.save(rotation::RotationRecord{}));
}

}  // namespace
}  // namespace rotor::controller
