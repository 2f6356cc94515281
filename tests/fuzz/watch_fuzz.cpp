// kube::WatchDecoder, which splits a watch response body into events. The body arrives in
// pieces that need not line up with its lines, so the decoder must deliver the same events
// and end the same way however the body is cut: here once whole and once in small pieces
// whose sizes come from the input. Nothing is delivered after the watch has ended.
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "kube/json.hpp"
#include "kube/watch.hpp"

namespace {

using rotor::kube::WatchDecoder;
using rotor::kube::WatchEvent;

struct Run {
  std::vector<std::string> events;  // type and object of each delivered event
  std::optional<rotor::kube::WatchEnd> end;
  bool error = false;
  std::string last_resource_version;
};

// Feeds `body` in pieces of the sizes in `cuts` (cycled; empty: the whole body at once).
// The handler asks to stop after `stop_after` events (0: never).
Run decode(std::string_view body, std::string_view cuts, std::size_t stop_after) {
  Run run;
  bool ended = false;
  const rotor::kube::WatchHandler handler = [&](const WatchEvent& e) {
    FUZZ_CHECK(!ended, "no event after the watch ended");
    run.events.push_back(std::string(rotor::kube::to_string(e.type)) + " " +
                         rotor::kube::dump(e.object));
    return stop_after == 0 || run.events.size() < stop_after;
  };
  WatchDecoder decoder(handler);
  std::size_t pos = 0, cut = 0;
  while (pos < body.size()) {
    const std::size_t n =
        cuts.empty() ? body.size() : 1 + static_cast<unsigned char>(cuts[cut++ % cuts.size()]) % 16;
    const bool more = decoder.feed(body.substr(pos, n));
    pos += n;
    if (!more) {
      ended = true;
      FUZZ_CHECK(decoder.end().has_value(), "a decoder that refuses more says why");
      FUZZ_CHECK(!decoder.feed("{\"type\":\"ADDED\",\"object\":{}}\n"),
                 "an ended watch stays ended");
      break;
    }
  }
  if (!ended) decoder.finish();
  run.end = decoder.end();
  run.error = decoder.error().has_value();
  run.last_resource_version = decoder.last_resource_version();
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rotor::fuzz::Input in(data, size);
  const std::size_t stop_after = in.byte() % 8;
  const std::string_view cuts = in.take(1 + in.byte() % 8);
  const std::string_view body = in.rest();
  const Run whole = decode(body, {}, stop_after);
  const Run pieces = decode(body, cuts, stop_after);
  FUZZ_CHECK(whole.events == pieces.events, "the same events however the body is cut");
  FUZZ_CHECK(whole.end == pieces.end && whole.error == pieces.error, "the same end");
  FUZZ_CHECK(whole.last_resource_version == pieces.last_resource_version,
             "the same last resourceVersion");
  return 0;
}
