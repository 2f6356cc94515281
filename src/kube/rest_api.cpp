#include "kube/rest_api.hpp"

#include <algorithm>
#include <utility>

#include "kube/watch.hpp"

namespace rotor::kube {
namespace {

// Builds "?a=1&b=2" from the pairs whose value is non-empty.
class Query {
 public:
  Query& add(const std::string& key, const std::string& value) {
    if (!value.empty()) text_ += (text_.empty() ? "?" : "&") + key + "=" + url_escape(value);
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

// List items arrive without apiVersion and kind (they are the list's); callers get complete
// objects either way.
void fill_type(const ResourceRef& r, Object& obj) {
  if (!obj.is_object()) return;
  if (get_string(obj, {"apiVersion"}).empty()) obj["apiVersion"] = Json::string(r.api_version());
  if (get_string(obj, {"kind"}).empty() && !r.kind.empty()) obj["kind"] = Json::string(r.kind);
}

Error local_error(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

}  // namespace

RestApi::RestApi(Config config, RestOptions options)
    : RestApi(
          std::move(config),
          [](const http::ClientOptions& o) -> std::shared_ptr<http::Client> {
            return http::make_client(o);
          },
          std::move(options)) {}

RestApi::RestApi(Config config, ClientFactory factory, RestOptions options)
    : config_(std::move(config)), factory_(std::move(factory)), options_(std::move(options)) {
  client_ = factory_(client_options(config_, options_.request_timeout));
}

http::Request RestApi::make_request(const std::string& method, const std::string& path_and_query,
                                    const std::string& body,
                                    const std::string& content_type) const {
  http::Request req;
  req.method = method;
  req.url = config_.server + path_and_query;
  req.headers.set("Accept", "application/json");
  req.headers.set("User-Agent", options_.user_agent);
  if (!content_type.empty()) req.headers.set("Content-Type", content_type);
  if (config_.token) req.headers.set("Authorization", "Bearer " + config_.token->token().reveal());
  req.body = body;
  return req;
}

http::Result RestApi::send(const std::string& method, const std::string& path_and_query,
                           const std::string& body, const std::string& content_type) {
  http::Request req = make_request(method, path_and_query, body, content_type);
  http::Result res = client_->send(req);
  // A 401 means nothing was done, so repeating is safe; it helps when the kubelet rotated the
  // token between two of our periodic looks at the file.
  if (res.ok() && res.response->status == 401 && config_.token && config_.token->refresh()) {
    cleanse(req.body);
    req = make_request(method, path_and_query, body, content_type);
    res = client_->send(req);
  }
  cleanse(req.body);  // may have held a Secret's data
  return res;
}

Result<Object> RestApi::object_call(const ResourceRef& r, const std::string& method,
                                    const std::string& path_and_query, const std::string& body,
                                    const std::string& content_type) {
  http::Result res = send(method, path_and_query, body, content_type);
  if (!res.ok()) return transport_error(res.error, res.error_detail);
  const http::Response& resp = *res.response;
  if (resp.status / 100 != 2) {
    return error_from_response(resp.status, resp.body, resp.headers.get("Retry-After"));
  }
  auto obj = parse_json(resp.body);
  if (!obj || !obj->is_object()) {
    return decode_error(method + " " + r.id() + ": response is not a JSON object");
  }
  fill_type(r, *obj);
  return std::move(*obj);
}

Result<Object> RestApi::get(const ResourceRef& r, const std::string& ns, const std::string& name) {
  if (name.empty()) return local_error(ErrorKind::kInvalid, "get " + r.id() + ": empty name");
  return object_call(r, "GET", resource_path(r, ns, name), "", "");
}

Result<ObjectList> RestApi::list(const ResourceRef& r, const std::string& ns,
                                 const ListOptions& options) {
  Query q;
  q.add("labelSelector", options.label_selector)
      .add("fieldSelector", options.field_selector)
      .add("limit", options.limit > 0 ? std::to_string(options.limit) : "")
      .add("continue", options.continue_token);
  auto res = object_call(r, "GET", resource_path(r, ns) + q.str(), "", "");
  if (!res) return res.error();
  ObjectList out;
  out.resource_version = get_string(*res, {"metadata", "resourceVersion"});
  out.continue_token = get_string(*res, {"metadata", "continue"});
  if (const Json* items = find(*res, {"items"}); items != nullptr && items->is_array()) {
    for (const Json& item : items->as_array()) {
      out.items.push_back(item);
      fill_type(r, out.items.back());
    }
  }
  return out;
}

Result<Object> RestApi::create(const ResourceRef& r, const std::string& ns, const Object& obj) {
  Object body = obj;
  fill_type(r, body);
  std::string text = dump(body);
  auto res = object_call(r, "POST", resource_path(r, ns), text, "application/json");
  cleanse(text);
  return res;
}

Result<Object> RestApi::do_replace(const ResourceRef& r, const std::string& ns, const Object& obj,
                                   const std::string& subresource) {
  const std::string name = name_of(obj);
  if (name.empty()) return local_error(ErrorKind::kInvalid, "replace " + r.id() + ": no name");
  Object body = obj;
  fill_type(r, body);
  std::string text = dump(body);
  auto res =
      object_call(r, "PUT", resource_path(r, ns, name, subresource), text, "application/json");
  cleanse(text);
  return res;
}

Result<Object> RestApi::replace(const ResourceRef& r, const std::string& ns, const Object& obj) {
  return do_replace(r, ns, obj, "");
}

Result<Object> RestApi::replace_status(const ResourceRef& r, const std::string& ns,
                                       const Object& obj) {
  return do_replace(r, ns, obj, "status");
}

Result<Object> RestApi::do_patch(const ResourceRef& r, const std::string& ns,
                                 const std::string& name, const std::string& subresource,
                                 PatchType type, const Json& patch, const PatchOptions& options) {
  if (name.empty()) return local_error(ErrorKind::kInvalid, "patch " + r.id() + ": empty name");
  std::string content_type = "application/merge-patch+json";
  Query q;
  q.add("fieldManager", options.field_manager);
  if (type == PatchType::kJson) content_type = "application/json-patch+json";
  if (type == PatchType::kApply) {
    // JSON is YAML, so an apply patch goes as JSON under the YAML media type.
    content_type = "application/apply-patch+yaml";
    if (options.force) q.add("force", "true");
  }
  Json body = patch;
  // Server-side apply wants the full type in the patch; it is always the resource's.
  if (type == PatchType::kApply && body.is_object()) fill_type(r, body);
  std::string text = dump(body);
  auto res = object_call(r, "PATCH", resource_path(r, ns, name, subresource) + q.str(), text,
                         content_type);
  cleanse(text);
  return res;
}

Result<Object> RestApi::patch(const ResourceRef& r, const std::string& ns, const std::string& name,
                              PatchType type, const Json& patch, const PatchOptions& options) {
  return do_patch(r, ns, name, "", type, patch, options);
}

Result<Object> RestApi::patch_status(const ResourceRef& r, const std::string& ns,
                                     const std::string& name, PatchType type, const Json& patch,
                                     const PatchOptions& options) {
  return do_patch(r, ns, name, "status", type, patch, options);
}

Result<void> RestApi::remove(const ResourceRef& r, const std::string& ns, const std::string& name,
                             const DeleteOptions& options) {
  if (name.empty()) return local_error(ErrorKind::kInvalid, "delete " + r.id() + ": empty name");
  std::string body;
  if (!options.resource_version.empty() || !options.uid.empty() ||
      !options.propagation_policy.empty()) {
    Json opts = Json::object();
    opts["apiVersion"] = Json::string("v1");
    opts["kind"] = Json::string("DeleteOptions");
    if (!options.resource_version.empty() || !options.uid.empty()) {
      Json& pre = ensure_object(opts, {"preconditions"});
      if (!options.resource_version.empty()) {
        pre["resourceVersion"] = Json::string(options.resource_version);
      }
      if (!options.uid.empty()) pre["uid"] = Json::string(options.uid);
    }
    if (!options.propagation_policy.empty()) {
      opts["propagationPolicy"] = Json::string(options.propagation_policy);
    }
    body = dump(opts);
  }
  http::Result res =
      send("DELETE", resource_path(r, ns, name), body, body.empty() ? "" : "application/json");
  if (!res.ok()) return transport_error(res.error, res.error_detail);
  const http::Response& resp = *res.response;
  if (resp.status / 100 != 2) {
    return error_from_response(resp.status, resp.body, resp.headers.get("Retry-After"));
  }
  return {};
}

WatchResult RestApi::watch(const ResourceRef& r, const std::string& ns, const WatchOptions& options,
                           const WatchHandler& on_event, std::stop_token stop) {
  Query q;
  q.add("watch", "1")
      .add("resourceVersion", options.resource_version)
      .add("allowWatchBookmarks", options.allow_bookmarks ? "true" : "")
      .add("timeoutSeconds",
           options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : "")
      .add("labelSelector", options.label_selector)
      .add("fieldSelector", options.field_selector);
  const auto server_timeout = std::chrono::seconds(std::max(options.timeout_seconds, 0));
  auto client = factory_(client_options(
      config_, std::chrono::duration_cast<std::chrono::milliseconds>(
                   (options.timeout_seconds > 0 ? server_timeout : std::chrono::hours(1)) +
                   options_.watch_grace)));

  WatchResult result;
  result.last_resource_version = options.resource_version;
  WatchDecoder decoder(on_event);
  auto run = [&] {
    return client->stream(
        make_request("GET", resource_path(r, ns) + q.str(), "", ""),
        [&decoder](std::string_view chunk) { return decoder.feed(chunk); }, stop);
  };
  http::Result res = run();
  if (res.ok() && res.response->status == 401 && config_.token && config_.token->refresh()) {
    res = run();
  }
  if (!decoder.last_resource_version().empty()) {
    result.last_resource_version = decoder.last_resource_version();
  }
  if (stop.stop_requested()) {
    result.end = WatchEnd::kStopped;
    return result;
  }
  if (!res.ok()) {
    result.end = WatchEnd::kError;
    result.error = transport_error(res.error, res.error_detail);
    return result;
  }
  const http::Response& resp = *res.response;
  if (resp.status / 100 != 2) {
    Error e = error_from_response(resp.status, resp.body, resp.headers.get("Retry-After"));
    result.end = e.kind == ErrorKind::kGone ? WatchEnd::kGone : WatchEnd::kError;
    result.error = std::move(e);
    return result;
  }
  decoder.finish();
  result.end = decoder.end().value_or(WatchEnd::kClosed);
  if (!decoder.last_resource_version().empty()) {
    result.last_resource_version = decoder.last_resource_version();
  }
  result.error = decoder.error();
  return result;
}

}  // namespace rotor::kube
