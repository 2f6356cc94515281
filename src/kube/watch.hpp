#pragma once
// Decoding a watch stream: newline-delimited JSON events, {"type":"ADDED","object":{...}},
// arriving in pieces that need not line up with events.
#include <optional>
#include <string>
#include <string_view>

#include "kube/api.hpp"

namespace rotor::kube {

std::optional<EventType> parse_event_type(std::string_view text);
// One line of a watch stream; nullopt when it is not a well-formed event.
std::optional<WatchEvent> parse_watch_event(std::string_view line);
// The wire form of an event, one line without the newline (the fake and tests write these).
std::string format_watch_event(const WatchEvent& event);

// Feeds body pieces in, hands complete events to the handler, and remembers what the
// WatchResult needs: the last resourceVersion seen and why the stream must end, if it must.
class WatchDecoder {
 public:
  explicit WatchDecoder(const WatchHandler& handler) : handler_(handler) {}

  // False once the watch must end: the handler said stop, an ERROR event came, or a line
  // could not be decoded. Nothing more is delivered after that.
  bool feed(std::string_view chunk);
  // At the end of the stream: a last event without its newline still counts.
  void finish();

  // Set when the decoder ended the watch (kStopped, kGone or kError).
  const std::optional<WatchEnd>& end() const { return end_; }
  const std::optional<Error>& error() const { return error_; }
  const std::string& last_resource_version() const { return last_rv_; }

 private:
  bool on_line(std::string_view line);

  const WatchHandler& handler_;
  std::string pending_;  // the start of an event whose newline has not arrived yet
  std::string last_rv_;
  std::optional<WatchEnd> end_;
  std::optional<Error> error_;
};

}  // namespace rotor::kube
