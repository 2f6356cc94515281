// FakeApi: change history, watches, and the hooks tests use to steer it.
#include <algorithm>
#include <charconv>

#include "testing/fake_api.hpp"

namespace rotor::kube {
namespace {

// Enough history for any test; older changes are compacted away as etcd would.
constexpr std::size_t kMaxHistory = 10000;

Object gone_status(const std::string& wanted, std::int64_t oldest) {
  Json status = Json::object();
  status["apiVersion"] = Json::string("v1");
  status["kind"] = Json::string("Status");
  status["status"] = Json::string("Failure");
  status["reason"] = Json::string("Expired");
  status["code"] = Json::number(410);
  status["message"] =
      Json::string("too old resource version: " + wanted + " (" + std::to_string(oldest) + ")");
  return status;
}

}  // namespace

Object FakeApi::commit(const ResourceRef& r, const Key& key, const std::optional<Object>& before,
                       Object now, bool deleted) {
  ++rv_;
  ensure_object(now, {"metadata"})["resourceVersion"] = Json::string(std::to_string(rv_));
  if (deleted) {
    store(r).erase(key);
  } else {
    store(r)[key] = now;
  }
  auto change = std::make_shared<const Change>(Change{rv_, r.id(), before, now, deleted});
  history_.push_back(change);
  if (history_.size() > kMaxHistory) {
    compacted_rv_ = history_.front()->rv;
    history_.pop_front();
  }
  publish_locked(*change);
  return now;
}

std::optional<WatchEvent> FakeApi::event_for(const Watcher& w, const Change& change) {
  if (change.resource != w.resource.id()) return std::nullopt;
  if (w.resource.namespaced && !w.ns.empty() && namespace_of(change.after) != w.ns) {
    return std::nullopt;
  }
  auto selected = [&w](const Object& obj) {
    return w.labels.matches(obj) && w.fields.matches(obj);
  };
  const bool now_in = selected(change.after);
  if (change.deleted) {
    if (!now_in) return std::nullopt;
    return WatchEvent{EventType::kDeleted, change.after};
  }
  const bool was_in = change.before && selected(*change.before);
  // An object moving out of or into the selection looks, to the watcher, like a deletion or
  // a creation, as on the real server.
  if (was_in && now_in) return WatchEvent{EventType::kModified, change.after};
  if (was_in) return WatchEvent{EventType::kDeleted, change.after};
  if (now_in) return WatchEvent{EventType::kAdded, change.after};
  return std::nullopt;
}

void FakeApi::publish_locked(const Change& change) {
  bool any = false;
  for (Watcher* w : watchers_) {
    if (auto event = event_for(*w, change)) {
      w->queue.push_back(std::move(*event));
      any = true;
    }
  }
  if (any) cv_.notify_all();
}

WatchResult FakeApi::watch(const ResourceRef& r, const std::string& ns, const WatchOptions& options,
                           const WatchHandler& on_event, std::stop_token stop) {
  WatchResult result;
  result.last_resource_version = options.resource_version;
  Watcher w;
  w.resource = r;
  w.ns = r.namespaced ? ns : "";
  w.bookmarks = options.allow_bookmarks;

  std::unique_lock lock(mu_);
  auto fail = [&result](Error e) {
    result.end = e.kind == ErrorKind::kGone ? WatchEnd::kGone : WatchEnd::kError;
    result.error = std::move(e);
    return result;
  };
  if (auto e = begin_call(Verb::kWatch, r, ns, "")) return fail(*e);
  std::string why;
  auto labels = Selector::parse_labels(options.label_selector, &why);
  auto fields = labels ? Selector::parse_fields(options.field_selector, &why) : std::nullopt;
  if (!labels || !fields) return fail(make_error(ErrorKind::kBadRequest, why));
  w.labels = std::move(*labels);
  w.fields = std::move(*fields);

  const std::string& from = options.resource_version;
  if (from.empty() || from == "0") {
    // No starting point: the current state first, as synthetic ADDED events.
    for (const auto& [key, obj] : store(r)) {
      Change now{rv_, r.id(), std::nullopt, obj, false};
      if (auto event = event_for(w, now)) w.queue.push_back(std::move(*event));
    }
  } else {
    std::int64_t start = 0;
    auto [ptr, ec] = std::from_chars(from.data(), from.data() + from.size(), start);
    if (ec != std::errc() || ptr != from.data() + from.size()) {
      return fail(make_error(ErrorKind::kBadRequest, "invalid resourceVersion \"" + from + "\""));
    }
    if (start < compacted_rv_) {
      // The real server answers 200 and then an ERROR event carrying the 410 Status.
      WatchEvent expired{EventType::kError, gone_status(from, compacted_rv_ + 1)};
      lock.unlock();
      on_event(expired);
      return fail(error_from_status(expired.object));
    }
    for (const auto& change : history_) {
      if (change->rv <= start) continue;
      if (auto event = event_for(w, *change)) w.queue.push_back(std::move(*event));
    }
  }
  watchers_.push_back(&w);
  cv_.notify_all();  // for wait_for_watches

  const auto deadline =
      options.timeout_seconds > 0
          ? std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds)
          : std::chrono::steady_clock::time_point::max();
  result.end = WatchEnd::kClosed;
  while (true) {
    cv_.wait_until(lock, stop, deadline, [&w] { return !w.queue.empty() || w.closed; });
    if (stop.stop_requested()) {
      result.end = WatchEnd::kStopped;
      break;
    }
    if (w.queue.empty()) break;  // closed, or the timeout passed
    WatchEvent event = std::move(w.queue.front());
    w.queue.pop_front();
    // The handler may call back into the API (a controller reading what changed).
    lock.unlock();
    const std::string rv = resource_version_of(event.object);
    if (!rv.empty()) result.last_resource_version = rv;
    const bool more = on_event(event);
    lock.lock();
    if (!more) {
      result.end = WatchEnd::kStopped;
      break;
    }
  }
  watchers_.erase(std::find(watchers_.begin(), watchers_.end(), &w));
  cv_.notify_all();  // for the destructor
  return result;
}

void FakeApi::compact() {
  std::lock_guard lock(mu_);
  history_.clear();
  compacted_rv_ = rv_;
}

void FakeApi::close_watches() {
  std::lock_guard lock(mu_);
  for (Watcher* w : watchers_) w->closed = true;
  cv_.notify_all();
}

void FakeApi::bookmark() {
  std::lock_guard lock(mu_);
  for (Watcher* w : watchers_) {
    if (!w->bookmarks) continue;
    Object obj = Json::object();
    obj["apiVersion"] = Json::string(w->resource.api_version());
    obj["kind"] = Json::string(w->resource.kind);
    ensure_object(obj, {"metadata"})["resourceVersion"] = Json::string(std::to_string(rv_));
    w->queue.push_back(WatchEvent{EventType::kBookmark, std::move(obj)});
  }
  cv_.notify_all();
}

bool FakeApi::wait_for_watches(int n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return static_cast<int>(watchers_.size()) >= n; });
}

Error FakeApi::make_error(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  switch (kind) {
    case ErrorKind::kBadRequest:
      e.http_status = 400;
      e.reason = "BadRequest";
      break;
    case ErrorKind::kUnauthorized:
      e.http_status = 401;
      e.reason = "Unauthorized";
      break;
    case ErrorKind::kForbidden:
      e.http_status = 403;
      e.reason = "Forbidden";
      break;
    case ErrorKind::kNotFound:
      e.http_status = 404;
      e.reason = "NotFound";
      break;
    case ErrorKind::kAlreadyExists:
      e.http_status = 409;
      e.reason = "AlreadyExists";
      break;
    case ErrorKind::kConflict:
      e.http_status = 409;
      e.reason = "Conflict";
      break;
    case ErrorKind::kGone:
      e.http_status = 410;
      e.reason = "Expired";
      break;
    case ErrorKind::kInvalid:
      e.http_status = 422;
      e.reason = "Invalid";
      break;
    case ErrorKind::kTooManyRequests:
      e.http_status = 429;
      e.reason = "TooManyRequests";
      break;
    case ErrorKind::kServerError:
      e.http_status = 500;
      e.reason = "InternalError";
      break;
    case ErrorKind::kTransport:
      e.transport = http::TransportError::kConnectionLost;
      break;
    case ErrorKind::kDecode:
    case ErrorKind::kOther:
      break;
  }
  return e;
}

std::optional<Error> FakeApi::begin_call(Verb verb, const ResourceRef& r, const std::string& ns,
                                         const std::string& name) {
  calls_.push_back(Call{verb, r.id(), ns, name});
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if ((it->verb && *it->verb != verb) || (it->resource && *it->resource != r.id())) continue;
    Error e = it->error;
    if (--it->remaining <= 0) faults_.erase(it);
    return e;
  }
  return std::nullopt;
}

std::vector<FakeApi::Call> FakeApi::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

void FakeApi::clear_calls() {
  std::lock_guard lock(mu_);
  calls_.clear();
}

void FakeApi::fail_next(int count, Error error, std::optional<Verb> verb,
                        std::optional<ResourceRef> resource) {
  std::lock_guard lock(mu_);
  if (count <= 0) return;
  faults_.push_back(Fault{count, std::move(error), verb,
                          resource ? std::optional<std::string>(resource->id()) : std::nullopt});
}

std::string FakeApi::resource_version() const {
  std::lock_guard lock(mu_);
  return std::to_string(rv_);
}

}  // namespace rotor::kube
