#pragma once
// An in-memory API server for unit tests of controllers. It keeps the semantics controllers
// depend on: a global resourceVersion that every write bumps, Conflict on a stale one,
// AlreadyExists, metadata.generation bumped on spec changes of resources with a status
// subresource, that subresource's split (the main endpoint ignores status, /status ignores
// the rest), finalizers holding deletion, Secret stringData, no-op updates that change nothing,
// label/field selectors, and watches that replay history from a resourceVersion, deliver
// live events, send bookmarks on request and answer Gone once history is compacted.
//
// Not modelled: admission, validation against schemas, defaulting, namespaces having to exist,
// managedFields. Server-side apply is treated as a merge patch that may create.
//
// Test hooks inject failures (fail_next), end or age watches (close_watches, compact), and
// record every call (calls).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kube/api.hpp"
#include "kube/selector.hpp"
#include "util/clock.hpp"

namespace rotor::kube {

class FakeApi final : public Api {
 public:
  // `clock` stamps creationTimestamp and deletionTimestamp; null: the system clock.
  explicit FakeApi(std::shared_ptr<const Clock> clock = nullptr);
  ~FakeApi() override;

  Result<Object> get(const ResourceRef& r, const std::string& ns, const std::string& name) override;
  Result<ObjectList> list(const ResourceRef& r, const std::string& ns,
                          const ListOptions& options = {}) override;
  Result<Object> create(const ResourceRef& r, const std::string& ns, const Object& obj) override;
  Result<Object> replace(const ResourceRef& r, const std::string& ns, const Object& obj) override;
  Result<Object> replace_status(const ResourceRef& r, const std::string& ns,
                                const Object& obj) override;
  Result<Object> patch(const ResourceRef& r, const std::string& ns, const std::string& name,
                       PatchType type, const Json& patch,
                       const PatchOptions& options = {}) override;
  Result<Object> patch_status(const ResourceRef& r, const std::string& ns, const std::string& name,
                              PatchType type, const Json& patch,
                              const PatchOptions& options = {}) override;
  Result<void> remove(const ResourceRef& r, const std::string& ns, const std::string& name,
                      const DeleteOptions& options = {}) override;
  WatchResult watch(const ResourceRef& r, const std::string& ns, const WatchOptions& options,
                    const WatchHandler& on_event, std::stop_token stop = {}) override;

  // ---- test hooks ----
  enum class Verb {
    kGet,
    kList,
    kCreate,
    kReplace,
    kReplaceStatus,
    kPatch,
    kPatchStatus,
    kRemove,
    kWatch
  };
  struct Call {
    Verb verb;
    std::string resource;  // ResourceRef::id()
    std::string ns;
    std::string name;
  };
  std::vector<Call> calls() const;
  void clear_calls();
  // The next `count` calls (of `verb` only, and of `resource` only, when given) fail with
  // `error` without touching the store. A watch so failed returns kGone for a kGone error
  // and kError otherwise.
  void fail_next(int count, Error error, std::optional<Verb> verb = std::nullopt,
                 std::optional<ResourceRef> resource = std::nullopt);
  // Forgets the change history: watches from an older resourceVersion get Gone.
  void compact();
  // Ends every open watch as the server does at its timeout (WatchEnd::kClosed).
  void close_watches();
  // Sends a BOOKMARK at the current resourceVersion to open watches that asked for them.
  void bookmark();
  // Waits until at least `n` watches are open (a controller has started); false on timeout.
  bool wait_for_watches(int n, std::chrono::milliseconds timeout);
  std::string resource_version() const;

  // Convenience for tests: a Forbidden/Conflict/... error as the server would send it.
  static Error make_error(ErrorKind kind, std::string message = "injected");

 private:
  struct Change {
    std::int64_t rv = 0;
    std::string resource;          // ResourceRef::id()
    std::optional<Object> before;  // absent for a creation
    Object after;                  // for a deletion: the object as deleted
    bool deleted = false;
  };
  struct Watcher {
    ResourceRef resource;
    std::string ns;
    Selector labels;
    Selector fields;
    bool bookmarks = false;
    std::deque<WatchEvent> queue;
    bool closed = false;
  };
  using Key = std::pair<std::string, std::string>;  // namespace, name
  using Store = std::map<Key, Object>;

  // Records the call and takes the next matching fault, if any. Called with mu_ held.
  std::optional<Error> begin_call(Verb verb, const ResourceRef& r, const std::string& ns,
                                  const std::string& name);
  Store& store(const ResourceRef& r) { return objects_[r.id()]; }
  // Every write ends here: assigns the next resourceVersion to `now` (or to the deleted
  // object) and tells the watchers.
  Object commit(const ResourceRef& r, const Key& key, const std::optional<Object>& before,
                Object now, bool deleted);
  Result<Object> update_locked(const ResourceRef& r, const Key& key, Object wanted,
                               bool status_only, bool check_rv);
  Result<Object> patch_locked(const ResourceRef& r, const std::string& ns, const std::string& name,
                              PatchType type, const Json& patch, bool status_only);
  Result<Object> create_locked(const ResourceRef& r, const std::string& ns, Object obj);
  void publish_locked(const Change& change);
  static std::optional<WatchEvent> event_for(const Watcher& w, const Change& change);

  std::shared_ptr<const Clock> clock_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::map<std::string, Store> objects_;  // by ResourceRef::id()
  std::int64_t rv_ = 0;
  std::int64_t compacted_rv_ = 0;  // history holds changes after this
  std::deque<std::shared_ptr<const Change>> history_;
  std::vector<Watcher*> watchers_;
  std::uint64_t uid_counter_ = 0;
  std::vector<Call> calls_;
  struct Fault {
    int remaining;
    Error error;
    std::optional<Verb> verb;
    std::optional<std::string> resource;
  };
  std::vector<Fault> faults_;
};

}  // namespace rotor::kube
