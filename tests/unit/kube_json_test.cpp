// JSON helpers, patches, selectors, paths, Status errors and watch-stream decoding.
#include <gtest/gtest.h>

#include <vector>

#include "kube/error.hpp"
#include "kube/json.hpp"
#include "kube/resource.hpp"
#include "kube/selector.hpp"
#include "kube/watch.hpp"

namespace rotor::kube {
namespace {

Json J(const std::string& text) {
  auto v = parse_json(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v.value_or(Json::null());
}

TEST(KubeJson, ParseAndAccessorsNeverThrow) {
  EXPECT_FALSE(parse_json("{not json").has_value());
  const Json obj = J(R"({"metadata":{"name":"a","generation":3},"spec":1})");
  EXPECT_EQ(get_string(obj, {"metadata", "name"}), "a");
  EXPECT_EQ(get_int(obj, {"metadata", "generation"}), 3);
  EXPECT_EQ(get_string(obj, {"metadata", "missing"}, "dflt"), "dflt");
  EXPECT_EQ(get_string(obj, {"spec", "deeper"}), "");     // through a non-object
  EXPECT_EQ(get_int(obj, {"metadata", "name"}, -1), -1);  // wrong type
  Json empty;
  ensure_object(empty, {"a", "b"})["c"] = Json::string("d");
  EXPECT_EQ(get_string(empty, {"a", "b", "c"}), "d");
}

// The examples of RFC 7386, appendix A.
TEST(KubeJson, MergePatchRfc7386Examples) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", "null", "null"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const auto& [target, patch, expected] : cases) {
    EXPECT_EQ(merge_patch(J(target), J(patch)), J(expected)) << target << " + " << patch;
  }
}

TEST(KubeJson, JsonPatchOperations) {
  Json doc = J(R"({"a":{"b":[1,2,3]},"c":"x","t/k~":"v"})");
  std::string error;
  ASSERT_TRUE(apply_json_patch(doc, J(R"([
      {"op":"test","path":"/c","value":"x"},
      {"op":"add","path":"/a/b/1","value":9},
      {"op":"add","path":"/a/b/-","value":4},
      {"op":"remove","path":"/a/b/0"},
      {"op":"replace","path":"/c","value":"y"},
      {"op":"copy","from":"/c","path":"/d"},
      {"op":"move","from":"/t~1k~0","path":"/moved"}])"),
                               error))
      << error;
  EXPECT_EQ(doc, J(R"({"a":{"b":[9,2,3,4]},"c":"y","d":"y","moved":"v"})"));

  const Json before = doc;
  EXPECT_FALSE(apply_json_patch(doc, J(R"([{"op":"replace","path":"/c","value":"z"},
                                           {"op":"test","path":"/c","value":"nope"}])"),
                                error));
  EXPECT_NE(error.find("operation 1"), std::string::npos) << error;
  EXPECT_EQ(doc, before) << "a failed patch changes nothing";
  EXPECT_FALSE(apply_json_patch(doc, J(R"([{"op":"remove","path":"/nope"}])"), error));
  EXPECT_FALSE(apply_json_patch(doc, J(R"([{"op":"replace","path":"/a/b/7","value":1}])"), error));
  EXPECT_FALSE(apply_json_patch(doc, J(R"([{"op":"move","from":"/a","path":"/a/x"}])"), error));
  EXPECT_FALSE(apply_json_patch(doc, J(R"([{"op":"frobnicate","path":"/a"}])"), error));
  EXPECT_FALSE(apply_json_patch(doc, J(R"({"op":"add"})"), error));
}

TEST(KubeSelector, LabelSelectors) {
  const Json obj = J(R"({"metadata":{"labels":{"app":"rotor","tier":"db"}}})");
  const Json bare = J(R"({"metadata":{}})");
  auto matches = [](const std::string& sel, const Json& o) {
    auto s = Selector::parse_labels(sel);
    EXPECT_TRUE(s.has_value()) << sel;
    return s && s->matches(o);
  };
  EXPECT_TRUE(matches("", obj));
  EXPECT_TRUE(matches("app=rotor", obj));
  EXPECT_TRUE(matches("app==rotor, tier = db", obj));
  EXPECT_FALSE(matches("app=other", obj));
  EXPECT_TRUE(matches("app!=other", obj));
  EXPECT_TRUE(matches("app!=other", bare)) << "!= also matches objects without the label";
  EXPECT_TRUE(matches("tier in (web, db)", obj));
  EXPECT_FALSE(matches("tier notin (web,db)", obj));
  EXPECT_TRUE(matches("tier notin (web,db)", bare));
  EXPECT_TRUE(matches("app,!legacy", obj));
  EXPECT_FALSE(matches("app", bare));
  EXPECT_FALSE(matches("app=rotor,tier in (web)", obj));
  std::string error;
  EXPECT_FALSE(Selector::parse_labels("tier in web", &error).has_value());
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(Selector::parse_labels("a=b,,c=d").has_value());
}

TEST(KubeSelector, FieldSelectors) {
  const Json obj = J(R"({"metadata":{"name":"x","namespace":"ns"},"type":"Opaque"})");
  auto s = Selector::parse_fields("metadata.name=x,type!=kubernetes.io/tls");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->matches(obj));
  EXPECT_FALSE(Selector::parse_fields("metadata.namespace==other")->matches(obj));
  EXPECT_FALSE(Selector::parse_fields("metadata.name").has_value());
}

TEST(KubeResource, PathsAndEscaping) {
  using namespace resources;
  EXPECT_EQ(resource_path(kSecrets, "ns", "s1"), "/api/v1/namespaces/ns/secrets/s1");
  EXPECT_EQ(resource_path(kSecrets, ""), "/api/v1/secrets");
  EXPECT_EQ(resource_path(kNamespaces, "ignored", "default"), "/api/v1/namespaces/default");
  EXPECT_EQ(resource_path(kLeases, "kube-system", "rotor"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/rotor");
  EXPECT_EQ(resource_path(kCloudAccounts, "team", "acct", "status"),
            "/apis/rotor.dev/v1alpha1/namespaces/team/cloudaccounts/acct/status");
  EXPECT_EQ(resource_path(kClusterCloudAccounts, "team", "acct"),
            "/apis/rotor.dev/v1alpha1/clustercloudaccounts/acct");
  EXPECT_EQ(kEvents.api_version(), "events.k8s.io/v1");
  EXPECT_EQ(kCoreEvents.api_version(), "v1");
  EXPECT_EQ(kLeases.id(), "leases.coordination.k8s.io");
  EXPECT_EQ(url_escape("app in (a,b),!x"), "app%20in%20%28a%2Cb%29%2C%21x");
}

TEST(KubeError, StatusObjectsMapToKinds) {
  auto e = error_from_response(
      404, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound",
               "message":"secrets \"x\" not found","code":404})");
  EXPECT_EQ(e.kind, ErrorKind::kNotFound);
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.message, "secrets \"x\" not found");
  EXPECT_EQ(e.describe(), "NotFound (404): secrets \"x\" not found");

  EXPECT_EQ(
      error_from_response(409, R"({"kind":"Status","reason":"AlreadyExists","code":409})").kind,
      ErrorKind::kAlreadyExists);
  EXPECT_EQ(error_from_response(409, R"({"kind":"Status","reason":"Conflict","code":409})").kind,
            ErrorKind::kConflict);
  EXPECT_EQ(error_from_response(422, R"({"kind":"Status","reason":"Invalid","code":422})").kind,
            ErrorKind::kInvalid);
  EXPECT_EQ(error_from_response(403, R"({"kind":"Status","reason":"Forbidden"})").kind,
            ErrorKind::kForbidden);
  EXPECT_EQ(error_from_response(410, "").kind, ErrorKind::kGone);
  EXPECT_EQ(error_from_response(503, "").kind, ErrorKind::kServerError);

  auto throttled = error_from_response(
      429, R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":3}})");
  EXPECT_EQ(throttled.kind, ErrorKind::kTooManyRequests);
  EXPECT_EQ(throttled.retry_after_seconds, 3);
  EXPECT_EQ(error_from_response(429, "", std::string("7")).retry_after_seconds, 7);

  // A body that is not a Status is never quoted: it might hold anything.
  auto odd = error_from_response(400, "password=hunter2");
  EXPECT_EQ(odd.kind, ErrorKind::kBadRequest);
  EXPECT_EQ(odd.describe().find("hunter2"), std::string::npos);

  auto expired = error_from_status(J(R"j({"kind":"Status","reason":"Expired","code":410,
      "message":"too old resource version: 1 (5)"})j"));
  EXPECT_EQ(expired.kind, ErrorKind::kGone);
  EXPECT_EQ(expired.http_status, 410);
}

TEST(KubeWatchDecoder, EventsSplitAcrossPiecesAreReassembled) {
  std::vector<WatchEvent> seen;
  WatchHandler handler = [&](const WatchEvent& e) {
    seen.push_back(e);
    return true;
  };
  WatchDecoder decoder(handler);
  const std::string a =
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}})";
  const std::string b =
      R"({"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"6"}}})";
  const std::string c = R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})";
  const std::string stream = a + "\n" + b + "\r\n\n" + c;  // last one without newline
  // Feed it one byte at a time: the worst split there is.
  for (char ch : stream) ASSERT_TRUE(decoder.feed(std::string_view(&ch, 1)));
  EXPECT_EQ(seen.size(), 2u);
  decoder.finish();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].type, EventType::kAdded);
  EXPECT_EQ(seen[1].type, EventType::kModified);
  EXPECT_EQ(seen[2].type, EventType::kBookmark);
  EXPECT_EQ(decoder.last_resource_version(), "9");
  EXPECT_FALSE(decoder.end().has_value());
}

TEST(KubeWatchDecoder, ErrorEventEndsTheWatchAndGoneIsDistinct) {
  std::vector<WatchEvent> seen;
  WatchHandler handler = [&](const WatchEvent& e) {
    seen.push_back(e);
    return true;
  };
  WatchDecoder gone(handler);
  EXPECT_FALSE(gone.feed(R"({"type":"ERROR","object":{"kind":"Status","code":410,)"
                         R"("reason":"Expired","message":"too old resource version"}})"
                         "\n{\"type\":\"ADDED\",\"object\":{}}\n"));
  EXPECT_EQ(gone.end(), WatchEnd::kGone);
  ASSERT_EQ(seen.size(), 1u) << "nothing after the ERROR event";
  EXPECT_EQ(seen[0].type, EventType::kError);

  WatchDecoder other(handler);
  EXPECT_FALSE(other.feed(R"({"type":"ERROR","object":{"kind":"Status","code":500,)"
                          R"("reason":"InternalError","message":"boom"}})"
                          "\n"));
  EXPECT_EQ(other.end(), WatchEnd::kError);
  EXPECT_EQ(other.error()->kind, ErrorKind::kServerError);

  WatchDecoder bad(handler);
  EXPECT_FALSE(bad.feed("{\"type\":\"ADDED\",\"object\":{\"data\":\"c2VjcmV0\"}\n"));
  EXPECT_EQ(bad.end(), WatchEnd::kError);
  EXPECT_EQ(bad.error()->kind, ErrorKind::kDecode);
  EXPECT_EQ(bad.error()->message.find("c2VjcmV0"), std::string::npos);
}

TEST(KubeWatchDecoder, HandlerCanStop) {
  int n = 0;
  WatchHandler handler = [&](const WatchEvent&) { return ++n < 2; };
  WatchDecoder decoder(handler);
  const std::string line = R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"1"}}})";
  EXPECT_FALSE(decoder.feed(line + "\n" + line + "\n" + line + "\n"));
  EXPECT_EQ(n, 2);
  EXPECT_EQ(decoder.end(), WatchEnd::kStopped);
}

TEST(KubeWatchDecoder, FormatRoundTrips) {
  WatchEvent e{EventType::kDeleted, J(R"({"metadata":{"name":"x"}})")};
  auto back = parse_watch_event(format_watch_event(e));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->type, EventType::kDeleted);
  EXPECT_EQ(back->object, e.object);
  EXPECT_FALSE(parse_watch_event(R"({"type":"SOMETHING","object":{}})").has_value());
}

}  // namespace
}  // namespace rotor::kube
