#pragma once
// The Kubernetes API as controllers see it. Controllers take an `Api&`, so unit tests hand them
// a FakeApi (tests/testing/fake_api.hpp) and production a RestApi (rest_api.hpp); neither
// side needs the other to exist.
//
// Objects are generic JSON with the wire format's field names (metadata.resourceVersion,
// spec, status, ...). Calls block until the server answers; every one is safe to make from
// several threads at once.
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "kube/error.hpp"
#include "kube/json.hpp"
#include "kube/resource.hpp"

namespace rotor::kube {

using Object = Json;

struct ObjectList {
  std::vector<Object> items;     // each with apiVersion and kind filled in
  std::string resource_version;  // the list's: where a watch that follows it starts
  std::string continue_token;    // non-empty when `limit` cut the list short
};

struct ListOptions {
  std::string label_selector;  // "app=rotor,tier!=db,env in (a,b),!legacy"
  std::string field_selector;  // "metadata.name=x"
  int limit = 0;               // 0: everything
  std::string continue_token;
};

enum class PatchType {
  kMerge,  // RFC 7386 merge patch: a partial object; null deletes a field
  kJson,   // RFC 6902 JSON patch: an array of operations, "test" makes it conditional
  kApply,  // server-side apply: a partial object owned by PatchOptions::field_manager
};

struct PatchOptions {
  std::string field_manager = "rotor";  // required by apply; recorded by the others
  bool force = false;                   // apply only: take over fields others manage
};

struct DeleteOptions {
  std::string resource_version;    // precondition: Conflict when the object has moved on
  std::string uid;                 // precondition: Conflict when the name was re-created
  std::string propagation_policy;  // "", "Foreground", "Background" or "Orphan"
};

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };
const char* to_string(EventType t);

struct WatchEvent {
  EventType type = EventType::kAdded;
  // The object as of the event. For BOOKMARK only metadata.resourceVersion is meaningful;
  // for ERROR it is a Status object.
  Object object;
};

struct WatchOptions {
  std::string resource_version;  // "" or "0": first an ADDED event for every existing object
  bool allow_bookmarks = true;   // ask for BOOKMARK events (progress without changes)
  int timeout_seconds = 300;     // the server ends the watch after this long
  std::string label_selector;
  std::string field_selector;
};

enum class WatchEnd {
  kClosed,   // the server ended the stream: watch again from last_resource_version
  kStopped,  // the handler returned false or the stop token was triggered
  kGone,     // the resourceVersion is too old (HTTP 410 or an ERROR event "Expired"/410):
             // list again, then watch from the list's resourceVersion
  kError,    // anything else (`error` says what): back off, then watch again
};

struct WatchResult {
  WatchEnd end = WatchEnd::kClosed;
  std::string last_resource_version;  // of the last event delivered, bookmarks included
  std::optional<Error> error;         // set for kGone and kError
};

// Called for each event as it arrives, on the watching thread; return false to stop.
using WatchHandler = std::function<bool(const WatchEvent&)>;

class Api {
 public:
  virtual ~Api() = default;

  // `ns` is ignored for cluster-scoped resources; for list and watch an empty `ns` means all
  // namespaces.
  virtual Result<Object> get(const ResourceRef& r, const std::string& ns,
                             const std::string& name) = 0;
  // A read that must reflect the server now, not a cache: what a decision to spend
  // something (a wrong-password attempt) rests on. Without a cache that is get().
  virtual Result<Object> get_fresh(const ResourceRef& r, const std::string& ns,
                                   const std::string& name) {
    return get(r, ns, name);
  }
  virtual Result<ObjectList> list(const ResourceRef& r, const std::string& ns,
                                  const ListOptions& options = {}) = 0;
  // The object's name comes from metadata.name; apiVersion and kind are filled in if absent.
  virtual Result<Object> create(const ResourceRef& r, const std::string& ns, const Object& obj) = 0;
  // PUT. With metadata.resourceVersion set, fails with kConflict if the stored object has a
  // newer one; that is how read-modify-write stays safe against concurrent writers.
  virtual Result<Object> replace(const ResourceRef& r, const std::string& ns,
                                 const Object& obj) = 0;
  // PUT to /status: only the status of `obj` is taken; same resourceVersion rule.
  virtual Result<Object> replace_status(const ResourceRef& r, const std::string& ns,
                                        const Object& obj) = 0;
  virtual Result<Object> patch(const ResourceRef& r, const std::string& ns, const std::string& name,
                               PatchType type, const Json& patch,
                               const PatchOptions& options = {}) = 0;
  virtual Result<Object> patch_status(const ResourceRef& r, const std::string& ns,
                                      const std::string& name, PatchType type, const Json& patch,
                                      const PatchOptions& options = {}) = 0;
  // Succeeds once deletion has begun: an object with finalizers stays, with
  // metadata.deletionTimestamp set, until they are removed.
  virtual Result<void> remove(const ResourceRef& r, const std::string& ns, const std::string& name,
                              const DeleteOptions& options = {}) = 0;
  // Streams changes after `options.resource_version` to `on_event` as they happen, until the
  // server ends the watch, the handler returns false, `stop` is triggered (from any thread;
  // the call then returns promptly) or an error occurs. ERROR events are delivered too, and
  // then end the watch.
  virtual WatchResult watch(const ResourceRef& r, const std::string& ns,
                            const WatchOptions& options, const WatchHandler& on_event,
                            std::stop_token stop = {}) = 0;
};

}  // namespace rotor::kube
