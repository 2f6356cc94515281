#include "kube/watch.hpp"

namespace rotor::kube {
namespace {

// An event is one object; etcd caps objects at about 1.5 MiB. Anything far larger is a
// broken stream, and buffering it without bound would let it exhaust memory.
constexpr std::size_t kMaxEventBytes = 32u << 20;

}  // namespace

const char* to_string(EventType t) {
  switch (t) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
    case EventType::kBookmark:
      return "BOOKMARK";
    case EventType::kError:
      return "ERROR";
  }
  return "ERROR";
}

std::optional<EventType> parse_event_type(std::string_view text) {
  if (text == "ADDED") return EventType::kAdded;
  if (text == "MODIFIED") return EventType::kModified;
  if (text == "DELETED") return EventType::kDeleted;
  if (text == "BOOKMARK") return EventType::kBookmark;
  if (text == "ERROR") return EventType::kError;
  return std::nullopt;
}

std::optional<WatchEvent> parse_watch_event(std::string_view line) {
  auto parsed = parse_json(line);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  auto type = parse_event_type(get_string(*parsed, {"type"}));
  const Json* object = find(*parsed, {"object"});
  if (!type || object == nullptr || !object->is_object()) return std::nullopt;
  return WatchEvent{*type, *object};
}

std::string format_watch_event(const WatchEvent& event) {
  Json line = Json::object();
  line["type"] = Json::string(to_string(event.type));
  line["object"] = event.object;
  return dump(line);
}

bool WatchDecoder::feed(std::string_view chunk) {
  if (end_) return false;
  std::size_t start = 0;
  while (start < chunk.size()) {
    const auto nl = chunk.find('\n', start);
    if (nl == std::string_view::npos) {
      pending_.append(chunk.substr(start));
      if (pending_.size() > kMaxEventBytes) {
        end_ = WatchEnd::kError;
        error_ =
            decode_error("watch event larger than " + std::to_string(kMaxEventBytes) + " bytes");
        return false;
      }
      return true;
    }
    bool more;
    if (pending_.empty()) {
      more = on_line(chunk.substr(start, nl - start));
    } else {
      pending_.append(chunk.substr(start, nl - start));
      const std::string line = std::move(pending_);
      pending_.clear();
      more = on_line(line);
    }
    if (!more) return false;
    start = nl + 1;
  }
  return true;
}

void WatchDecoder::finish() {
  if (end_ || pending_.empty()) return;
  const std::string line = std::move(pending_);
  pending_.clear();
  on_line(line);
}

bool WatchDecoder::on_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty()) return true;
  auto event = parse_watch_event(line);
  if (!event) {
    // The line is not quoted: it may hold a Secret's data.
    end_ = WatchEnd::kError;
    error_ = decode_error("malformed watch event (" + std::to_string(line.size()) + " bytes)");
    return false;
  }
  if (event->type == EventType::kError) {
    Error e = error_from_status(event->object);
    handler_(*event);
    end_ = e.kind == ErrorKind::kGone ? WatchEnd::kGone : WatchEnd::kError;
    error_ = std::move(e);
    return false;
  }
  const std::string rv = resource_version_of(event->object);
  if (!rv.empty()) last_rv_ = rv;
  if (!handler_(*event)) {
    end_ = WatchEnd::kStopped;
    return false;
  }
  return true;
}

}  // namespace rotor::kube
