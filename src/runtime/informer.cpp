#include "runtime/informer.hpp"

#include <algorithm>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <set>

#include "kube/json.hpp"

namespace rotor::runtime {
namespace {

std::string cache_key(const kube::Object& obj) {
  return kube::namespace_of(obj) + "/" + kube::name_of(obj);
}

kube::Object parsed(const std::string& text) {
  // Written by our own serializer: it parses; an empty object would only mean a bug here.
  return kube::parse_json(text).value_or(kube::Object::object());
}

// Glibc keeps freed memory for reuse rather than returning it; after a list of thousands
// of objects (parsed, copied, dropped) that would pin the peak for good.
void return_free_memory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

}  // namespace

Informer::Informer(kube::Api& api, const Clock& clock, kube::ResourceRef ref, std::string ns,
                   Handler on_change, Logger& log, InformerOptions options)
    : api_(api),
      clock_(clock),
      ref_(std::move(ref)),
      ns_(std::move(ns)),
      on_change_(std::move(on_change)),
      log_(log),
      options_(options),
      random_(make_system_random()) {}

void Informer::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Informer::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
}

bool Informer::synced() const {
  std::lock_guard lock(mu_);
  return synced_;
}

bool Informer::wait_synced(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return synced_; });
}

std::optional<kube::Object> Informer::get(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = cache_.find(ns + "/" + name);
  if (it == cache_.end()) return std::nullopt;
  return parsed(it->second.text);
}

std::vector<kube::Object> Informer::by_index(const std::string& index,
                                             const std::string& value) const {
  std::lock_guard lock(mu_);
  std::vector<kube::Object> out;
  const auto idx = index_.find(index);
  if (idx == index_.end()) return out;
  const auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  for (const auto& key : keys->second) {
    if (auto it = cache_.find(key); it != cache_.end()) out.push_back(parsed(it->second.text));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Informer::keys() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(cache_.size());
  for (const auto& [key, entry] : cache_) {
    const auto slash = key.find('/');
    out.emplace_back(key.substr(0, slash), key.substr(slash + 1));
  }
  return out;
}

std::vector<kube::Object> Informer::items() const {
  std::lock_guard lock(mu_);
  std::vector<kube::Object> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(parsed(v.text));
  return out;
}

std::uint64_t Informer::relists() const {
  std::lock_guard lock(mu_);
  return relists_;
}

void Informer::index_locked(const std::string& key, Entry& entry, const kube::Object* obj) {
  if (obj == nullptr) {
    for (const auto& [name, value] : entry.indexed) {
      auto& index = index_[name];
      if (auto it = index.find(value); it != index.end()) {
        it->second.erase(key);
        if (it->second.empty()) index.erase(it);
      }
    }
    entry.indexed.clear();
    return;
  }
  for (const auto& [name, values_of] : options_.indexers) {
    for (auto& value : values_of(*obj)) {
      index_[name][value].insert(key);
      entry.indexed.emplace_back(name, std::move(value));
    }
  }
}

void Informer::apply(kube::EventType type, const kube::Object& obj) {
  {
    std::lock_guard lock(mu_);
    const std::string key = cache_key(obj);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      index_locked(key, it->second, nullptr);
      if (type == kube::EventType::kDeleted) cache_.erase(it);
    }
    if (type != kube::EventType::kDeleted) {
      // managedFields is the server's bookkeeping of who set which field: often the larger
      // part of a small object, and nothing rotor reads. An update sent without it keeps the
      // server's (rotor writes Secrets back with what it read).
      kube::Object trimmed = obj;
      if (trimmed.has_field("metadata")) trimmed["metadata"].erase("managedFields");
      Entry& entry = cache_[key];
      entry.text = trimmed.serialize();
      entry.text.shrink_to_fit();
      entry.resource_version = kube::resource_version_of(obj);
      index_locked(key, entry, &obj);
    }
  }
  on_change_(type, obj);
}

void Informer::sleep_backoff(std::stop_token stop, int& failures) {
  // Full jitter between the minimum and an exponentially growing ceiling.
  const auto ceiling = std::min<std::int64_t>(
      options_.max_backoff.count(), options_.min_backoff.count() << std::min(failures, 6));
  const auto span =
      static_cast<std::uint32_t>(std::max<std::int64_t>(1, ceiling - options_.min_backoff.count()));
  const auto wait =
      std::chrono::milliseconds(options_.min_backoff.count() + random_->uniform(span));
  ++failures;
  {
    std::lock_guard lock(mu_);
    backoff_over_ = false;
  }
  const TimerHandle timer = clock_.schedule_at(clock_.now() + wait, [this] {
    {
      std::lock_guard lock(mu_);
      backoff_over_ = true;
    }
    cv_.notify_all();
  });
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, stop, [this] { return backoff_over_; });
  }
  clock_.cancel(timer);  // when stopped early; outside mu_, which the timer takes
}

bool Informer::relist(std::stop_token stop, std::string& resource_version) {
  // In pages, so that neither the server nor rotor holds thousands of objects in one
  // response; every page comes from the same snapshot (its continue token pins it).
  kube::ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.limit = options_.page_size;
  kube::ObjectList all;
  for (;;) {
    auto page = api_.list(ref_, ns_, list_options);
    if (!page) {
      log_.warn("list failed",
                {{"resource", ref_.id()}, {"namespace", ns_}, {"error", page.error().describe()}});
      return false;  // an expired continue token (410) too: the next relist starts over
    }
    std::move(page->items.begin(), page->items.end(), std::back_inserter(all.items));
    all.resource_version = page->resource_version;
    if (page->continue_token.empty() || stop.stop_requested()) break;
    list_options.continue_token = page->continue_token;
  }
  const kube::ObjectList* listed = &all;
  std::set<std::string> seen;
  for (const auto& obj : listed->items) {
    if (stop.stop_requested()) return false;
    seen.insert(cache_key(obj));
    std::optional<std::string> before_version;
    {
      std::lock_guard lock(mu_);
      if (auto it = cache_.find(cache_key(obj)); it != cache_.end())
        before_version = it->second.resource_version;
    }
    // Unchanged objects are not announced again, so that a relist does not requeue everything.
    if (!before_version || *before_version != kube::resource_version_of(obj)) {
      apply(before_version ? kube::EventType::kModified : kube::EventType::kAdded, obj);
    }
  }
  std::vector<kube::Object> gone;
  {
    std::lock_guard lock(mu_);
    for (const auto& [k, v] : cache_) {
      if (!seen.count(k)) gone.push_back(parsed(v.text));
    }
    ++relists_;
  }
  for (const auto& obj : gone) apply(kube::EventType::kDeleted, obj);
  const std::size_t listed_count = all.items.size();
  all.items.clear();
  if (listed_count >= 100) return_free_memory();
  {
    std::lock_guard lock(mu_);
    synced_ = true;
  }
  cv_.notify_all();
  resource_version = listed->resource_version;
  return true;
}

void Informer::run(std::stop_token stop) {
  int failures = 0;
  while (!stop.stop_requested()) {
    std::string rv;
    if (!relist(stop, rv)) {
      sleep_backoff(stop, failures);
      continue;
    }
    failures = 0;
    while (!stop.stop_requested()) {
      kube::WatchOptions options;
      options.resource_version = rv;
      options.allow_bookmarks = true;
      options.timeout_seconds = options_.watch_timeout_seconds;
      options.label_selector = options_.label_selector;
      const TimePoint watch_started = clock_.now();
      const auto result = api_.watch(
          ref_, ns_, options,
          [&](const kube::WatchEvent& e) {
            if (e.type == kube::EventType::kBookmark || e.type == kube::EventType::kError)
              return true;
            apply(e.type, e.object);
            return true;
          },
          stop);
      if (!result.last_resource_version.empty()) rv = result.last_resource_version;
      if (result.end == kube::WatchEnd::kStopped) return;
      if (result.end == kube::WatchEnd::kClosed) {
        // A server (or proxy) that ends every watch at once would make this loop spin:
        // such a watch counts as a failure and waits out the backoff.
        if (clock_.now() - watch_started < kShortestHealthyWatch) {
          log_.warn("watch closed at once; backing off",
                    {{"resource", ref_.id()}, {"namespace", ns_}});
          sleep_backoff(stop, failures);
        } else {
          failures = 0;
        }
        continue;
      }
      if (result.end == kube::WatchEnd::kGone) {
        log_.info("watch expired; relisting", {{"resource", ref_.id()}, {"namespace", ns_}});
        break;
      }
      log_.warn("watch failed; reconnecting",
                {{"resource", ref_.id()},
                 {"namespace", ns_},
                 {"error", result.error ? result.error->describe() : "unknown"}});
      sleep_backoff(stop, failures);
    }
  }
}

}  // namespace rotor::runtime
