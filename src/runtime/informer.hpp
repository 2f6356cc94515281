#pragma once
// Keeps a local cache of one kind of object in sync with the API server, and tells a handler
// about every change: list, then watch from the list's resourceVersion (with bookmarks so
// that a quiet watch still moves forward), relist when the server says the version is gone
// (410), and reconnect after errors with jittered backoff (about 800 ms up to 30 s).
//
// The backoff waits on a timer of the injected Clock, so a test with a ManualClock drives
// reconnects by advancing time.
//
// Life cycle: start() spawns the thread, stop() ends the watch or the backoff promptly and
// joins.
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "kube/api.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"
#include "util/random.hpp"

namespace rotor::runtime {

struct InformerOptions {
  std::chrono::milliseconds min_backoff{800};
  std::chrono::milliseconds max_backoff{30000};
  int watch_timeout_seconds = 300;
  // Only objects matching it are listed, watched and cached ("" for all).
  std::string label_selector;
  int page_size = 500;  // objects per list request
  // Named indexes over the cache, like client-go's Indexers: each function gives the values
  // an object is found under, and by_index() answers the objects with one value without
  // copying the others, so that a lookup per event stays cheap with thousands cached.
  std::map<std::string, std::function<std::vector<std::string>(const kube::Object&)>> indexers;
};

// A watch the server ends sooner than this is treated as a failure (backoff), not as the
// normal end of a long watch.
inline constexpr auto kShortestHealthyWatch = std::chrono::seconds(1);

class Informer {
 public:
  // Called on the informer's thread for every added, changed or deleted object.
  using Handler = std::function<void(kube::EventType, const kube::Object&)>;

  // `api`, `clock` and `log` must outlive the informer.
  Informer(kube::Api& api, const Clock& clock, kube::ResourceRef ref, std::string ns,
           Handler on_change, Logger& log, InformerOptions options = {});
  ~Informer() { stop(); }
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void start();
  void stop();
  // True once the first list has been loaded into the cache.
  bool synced() const;
  bool wait_synced(std::chrono::milliseconds timeout) const;

  std::optional<kube::Object> get(const std::string& ns, const std::string& name) const;
  std::vector<kube::Object> items() const;
  // The cached objects `index` (an InformerOptions::indexers name) files under `value`.
  std::vector<kube::Object> by_index(const std::string& index, const std::string& value) const;
  // (namespace, name) of every cached object, without copying the objects.
  std::vector<std::pair<std::string, std::string>> keys() const;
  // How often the informer relisted and reconnected, for tests and metrics.
  std::uint64_t relists() const;

 private:
  // A cached object as compact JSON text (managedFields dropped): a few hundred bytes where
  // a parsed document takes several times that; reads parse the few objects they return.
  struct Entry {
    std::string text;
    std::string resource_version;
    std::vector<std::pair<std::string, std::string>> indexed;  // (index name, value)
  };

  void run(std::stop_token stop);
  bool relist(std::stop_token stop, std::string& resource_version);
  void apply(kube::EventType type, const kube::Object& obj);
  // Files `entry` under the values of `obj`, or (obj null) takes it out of every index.
  void index_locked(const std::string& key, Entry& entry, const kube::Object* obj);
  void sleep_backoff(std::stop_token stop, int& failures);

  kube::Api& api_;
  const Clock& clock_;
  const kube::ResourceRef ref_;
  const std::string ns_;
  const Handler on_change_;
  Logger& log_;
  const InformerOptions options_;
  std::unique_ptr<RandomSource> random_;

  mutable std::mutex mu_;
  mutable std::condition_variable_any cv_;
  std::map<std::string, Entry> cache_;  // "ns/name" -> entry
  // index name -> value -> "ns/name" keys
  std::map<std::string, std::map<std::string, std::set<std::string>>> index_;
  bool synced_ = false;
  bool backoff_over_ = false;  // set by the backoff timer
  std::uint64_t relists_ = 0;
  std::jthread thread_;
};

}  // namespace rotor::runtime
