// RestApi against a scripted http::Client: the requests it builds and how it reads answers.
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <random>

#include "kube/rest_api.hpp"

namespace rotor::kube {
namespace {

using namespace resources;

Json J(const std::string& text) {
  return parse_json(text).value_or(Json::null());
}

struct Answer {
  int status = 200;
  std::string body;
  std::vector<std::string> pieces;  // streamed bodies
  std::optional<http::TransportError> failure;
};

Answer reply(int status, std::string body) {
  Answer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

Answer failure(http::TransportError e) {
  Answer a;
  a.failure = e;
  return a;
}

class ScriptedClient final : public http::Client {
 public:
  http::Result send(const http::Request& request) override {
    sent.push_back(request);
    http::Result r;
    if (answers.empty()) return fail(r, http::TransportError::kConnectionLost);
    Answer a = answers.front();
    answers.pop_front();
    if (a.failure) return fail(r, *a.failure);
    r.response = http::Response{a.status, {}, a.body};
    return r;
  }

  http::Result stream(const http::Request& request, const http::BodySink& sink,
                      std::stop_token) override {
    sent.push_back(request);
    http::Result r;
    if (answers.empty()) return fail(r, http::TransportError::kConnectionLost);
    Answer a = answers.front();
    answers.pop_front();
    if (a.status / 100 != 2) {
      r.response = http::Response{a.status, {}, a.body};
      return r;
    }
    for (const auto& piece : a.pieces) {
      if (!sink(piece)) break;
    }
    if (a.failure) return fail(r, *a.failure);
    r.response = http::Response{a.status, {}, ""};
    return r;
  }

  static http::Result fail(http::Result& r, http::TransportError e) {
    r.error = e;
    r.error_detail = "scripted";
    return r;
  }

  std::deque<Answer> answers;
  std::vector<http::Request> sent;
};

class RestApiTest : public ::testing::Test {
 protected:
  RestApiTest() {
    config_.server = "https://k8s.example:6443";
    config_.token = TokenSource::fixed(Secret("tok3n"));
  }
  RestApi make() {
    return RestApi(config_, [this](const http::ClientOptions& o) {
      options_.push_back(o);
      return client_;
    });
  }
  Config config_;
  std::shared_ptr<ScriptedClient> client_ = std::make_shared<ScriptedClient>();
  std::vector<http::ClientOptions> options_;
};

TEST_F(RestApiTest, GetBuildsTheRequestAndFillsTheType) {
  RestApi api = make();
  client_->answers.push_back(reply(200, R"({"metadata":{"name":"s","resourceVersion":"7"}})"));
  auto s = api.get(kSecrets, "ns", "s");
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(get_string(*s, {"kind"}), "Secret");
  EXPECT_EQ(get_string(*s, {"apiVersion"}), "v1");
  ASSERT_EQ(client_->sent.size(), 1u);
  const http::Request& req = client_->sent[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "https://k8s.example:6443/api/v1/namespaces/ns/secrets/s");
  EXPECT_EQ(req.headers.get("Authorization"), "Bearer tok3n");
  EXPECT_EQ(req.headers.get("Accept"), "application/json");
  ASSERT_EQ(options_.size(), 1u);
  EXPECT_EQ(options_[0].timeout, std::chrono::milliseconds(30000));
}

TEST_F(RestApiTest, ErrorsAreTypedFromTheStatus) {
  RestApi api = make();
  client_->answers.push_back(reply(
      409,
      R"({"kind":"Status","reason":"Conflict","message":"the object has been modified","code":409})"));
  client_->answers.push_back(
      reply(403, R"({"kind":"Status","reason":"Forbidden","message":"no","code":403})"));
  client_->answers.push_back(reply(200, "not json"));
  client_->answers.push_back(failure(http::TransportError::kTimeout));
  EXPECT_TRUE(
      api.replace(kSecrets, "ns", J(R"({"metadata":{"name":"s"}})")).is(ErrorKind::kConflict));
  EXPECT_TRUE(api.get(kSecrets, "ns", "s").is(ErrorKind::kForbidden));
  EXPECT_TRUE(api.get(kSecrets, "ns", "s").is(ErrorKind::kDecode));
  auto t = api.get(kSecrets, "ns", "s");
  EXPECT_TRUE(t.is(ErrorKind::kTransport));
  EXPECT_EQ(t.error().transport, http::TransportError::kTimeout);
  EXPECT_TRUE(api.get(kSecrets, "ns", "").is(ErrorKind::kInvalid)) << "checked before sending";
}

TEST_F(RestApiTest, WritesUseTheRightMethodsPathsAndMediaTypes) {
  RestApi api = make();
  for (int i = 0; i < 6; ++i)
    client_->answers.push_back(reply(200, R"({"metadata":{"name":"a"}})"));
  client_->answers.push_back(reply(200, R"({"kind":"Status","status":"Success"})"));
  const Object acct = J(R"({"metadata":{"name":"a","resourceVersion":"3"},"spec":{}})");
  ASSERT_TRUE(api.create(kCloudAccounts, "team", acct).ok());
  ASSERT_TRUE(api.replace(kCloudAccounts, "team", acct).ok());
  ASSERT_TRUE(api.replace_status(kCloudAccounts, "team", acct).ok());
  ASSERT_TRUE(api.patch(kCloudAccounts, "team", "a", PatchType::kMerge, J(R"({"spec":{}})")).ok());
  ASSERT_TRUE(api.patch_status(kCloudAccounts, "team", "a", PatchType::kJson,
                               J(R"([{"op":"add","path":"/status","value":{}}])"))
                  .ok());
  PatchOptions force;
  force.force = true;
  ASSERT_TRUE(
      api.patch(kLeases, "kube-system", "rotor", PatchType::kApply, J(R"({"spec":{}})"), force)
          .ok());
  DeleteOptions pre;
  pre.resource_version = "3";
  ASSERT_TRUE(api.remove(kCloudAccounts, "team", "a", pre).ok());

  const auto& s = client_->sent;
  ASSERT_EQ(s.size(), 7u);
  const std::string base =
      "https://k8s.example:6443/apis/rotor.dev/v1alpha1/namespaces/team/cloudaccounts";
  EXPECT_EQ(s[0].method + " " + s[0].url, "POST " + base);
  EXPECT_EQ(get_string(J(s[0].body), {"kind"}), "CloudAccount") << "type filled in";
  EXPECT_EQ(get_string(J(s[0].body), {"apiVersion"}), "rotor.dev/v1alpha1");
  EXPECT_EQ(s[0].headers.get("Content-Type"), "application/json");
  EXPECT_EQ(s[1].method + " " + s[1].url, "PUT " + base + "/a");
  EXPECT_EQ(get_string(J(s[1].body), {"metadata", "resourceVersion"}), "3");
  EXPECT_EQ(s[2].method + " " + s[2].url, "PUT " + base + "/a/status");
  EXPECT_EQ(s[3].method + " " + s[3].url, "PATCH " + base + "/a?fieldManager=rotor");
  EXPECT_EQ(s[3].headers.get("Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(s[4].url, base + "/a/status?fieldManager=rotor");
  EXPECT_EQ(s[4].headers.get("Content-Type"), "application/json-patch+json");
  EXPECT_EQ(s[5].url,
            "https://k8s.example:6443/apis/coordination.k8s.io/v1/namespaces/kube-system/"
            "leases/rotor?fieldManager=rotor&force=true");
  EXPECT_EQ(s[5].headers.get("Content-Type"), "application/apply-patch+yaml");
  EXPECT_EQ(s[6].method + " " + s[6].url, "DELETE " + base + "/a");
  EXPECT_EQ(get_string(J(s[6].body), {"preconditions", "resourceVersion"}), "3");
}

TEST_F(RestApiTest, ListReadsItemsAndResourceVersionAndEscapesSelectors) {
  RestApi api = make();
  client_->answers.push_back(reply(200, R"({"kind":"SecretList","metadata":{"resourceVersion":"42",
      "continue":"tok"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})"));
  ListOptions o;
  o.label_selector = "app=rotor,tier in (a,b)";
  o.limit = 2;
  auto l = api.list(kSecrets, "", o);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->resource_version, "42");
  EXPECT_EQ(l->continue_token, "tok");
  ASSERT_EQ(l->items.size(), 2u);
  EXPECT_EQ(get_string(l->items[1], {"kind"}), "Secret");
  EXPECT_EQ(client_->sent[0].url,
            "https://k8s.example:6443/api/v1/secrets?labelSelector=app%3Drotor%2Ctier%20in%20"
            "%28a%2Cb%29&limit=2");
}

TEST_F(RestApiTest, UnauthorizedRereadsARotatedTokenFileAndRetriesOnce) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rotor-kube-rest-token-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "token").string();
  std::ofstream(path) << "old";
  config_.token = TokenSource::file(path, std::chrono::hours(1));
  RestApi api = make();
  std::ofstream(path) << "new-token";
  client_->answers.push_back(reply(401, R"({"kind":"Status","reason":"Unauthorized","code":401})"));
  client_->answers.push_back(reply(200, R"({"metadata":{"name":"s"}})"));
  EXPECT_TRUE(api.get(kSecrets, "ns", "s").ok());
  ASSERT_EQ(client_->sent.size(), 2u);
  EXPECT_EQ(client_->sent[0].headers.get("Authorization"), "Bearer old");
  EXPECT_EQ(client_->sent[1].headers.get("Authorization"), "Bearer new-token");
  // The same token again: no second retry.
  client_->answers.push_back(reply(401, R"({"kind":"Status","reason":"Unauthorized","code":401})"));
  EXPECT_TRUE(api.get(kSecrets, "ns", "s").is(ErrorKind::kUnauthorized));
  EXPECT_EQ(client_->sent.size(), 3u);
  std::filesystem::remove_all(dir);
}

TEST_F(RestApiTest, WatchStreamsEventsAndReportsHowItEnded) {
  RestApi api = make();
  const std::string add =
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"11"}}})";
  const std::string mark = R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}})";
  Answer a;
  a.pieces = {add.substr(0, 10), add.substr(10) + "\n" + mark.substr(0, 5), mark.substr(5) + "\n"};
  client_->answers.push_back(a);
  std::vector<WatchEvent> seen;
  WatchOptions o;
  o.resource_version = "10";
  o.timeout_seconds = 120;
  o.label_selector = "app=rotor";
  const WatchResult r = api.watch(kSecrets, "ns", o, [&](const WatchEvent& e) {
    seen.push_back(e);
    return true;
  });
  EXPECT_EQ(r.end, WatchEnd::kClosed);
  EXPECT_EQ(r.last_resource_version, "12");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].type, EventType::kBookmark);
  EXPECT_EQ(client_->sent.back().url,
            "https://k8s.example:6443/api/v1/namespaces/ns/secrets?watch=1&resourceVersion=10"
            "&allowWatchBookmarks=true&timeoutSeconds=120&labelSelector=app%3Drotor");
  ASSERT_EQ(options_.size(), 2u);
  EXPECT_EQ(options_[1].timeout, std::chrono::milliseconds(150000)) << "120 s + 30 s grace";
}

TEST_F(RestApiTest, WatchGoneEitherWay) {
  RestApi api = make();
  client_->answers.push_back(reply(410, R"({"kind":"Status","reason":"Expired","code":410})"));
  Answer in_stream;
  in_stream.pieces = {R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",)"
                      R"j("message":"too old resource version: 1 (20)"}})j"
                      "\n"};
  client_->answers.push_back(in_stream);
  auto any = [](const WatchEvent&) { return true; };
  WatchOptions o;
  o.resource_version = "1";
  const WatchResult http_gone = api.watch(kSecrets, "ns", o, any);
  EXPECT_EQ(http_gone.end, WatchEnd::kGone);
  EXPECT_EQ(http_gone.error->http_status, 410);
  const WatchResult event_gone = api.watch(kSecrets, "ns", o, any);
  EXPECT_EQ(event_gone.end, WatchEnd::kGone);
  EXPECT_EQ(event_gone.error->message, "too old resource version: 1 (20)");
  EXPECT_EQ(event_gone.last_resource_version, "1") << "unchanged: nothing was delivered";
}

TEST_F(RestApiTest, WatchTransportFailureAndForbidden) {
  RestApi api = make();
  Answer cut;
  cut.pieces = {R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"5"}}})"
                "\n"};
  cut.failure = http::TransportError::kConnectionLost;
  client_->answers.push_back(cut);
  client_->answers.push_back(reply(403, R"({"kind":"Status","reason":"Forbidden","code":403})"));
  auto any = [](const WatchEvent&) { return true; };
  const WatchResult r = api.watch(kSecrets, "ns", WatchOptions{}, any);
  EXPECT_EQ(r.end, WatchEnd::kError);
  EXPECT_EQ(r.error->kind, ErrorKind::kTransport);
  EXPECT_EQ(r.last_resource_version, "5") << "resume from what was delivered";
  const WatchResult f = api.watch(kSecrets, "ns", WatchOptions{}, any);
  EXPECT_EQ(f.end, WatchEnd::kError);
  EXPECT_EQ(f.error->kind, ErrorKind::kForbidden);
}

}  // namespace
}  // namespace rotor::kube
