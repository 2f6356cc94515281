// parse_go_duration (spec.rotation.interval and jitter): any text either fails with an
// error or gives a non-negative duration whose compact form (format_go_duration, used in
// messages) parses back to the same value, to the millisecond it is printed in.
#include <chrono>
#include <string>

#include "fuzz_check.hpp"
#include "schedule/schedule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using std::chrono::milliseconds;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto parsed = rotor::schedule::parse_go_duration(text, error);
  if (!parsed) {
    FUZZ_CHECK(!error.empty(), "a refused duration says why");
    return 0;
  }
  FUZZ_CHECK(parsed->count() >= 0, "a parsed duration is not negative");
  const std::string formatted = rotor::schedule::format_go_duration(*parsed);
  std::string again_error;
  const auto again = rotor::schedule::parse_go_duration(formatted, again_error);
  FUZZ_CHECK(again.has_value(), "a formatted duration parses");
  FUZZ_CHECK(*again == std::chrono::duration_cast<milliseconds>(*parsed),
             "a duration survives format and parse to the millisecond");
  return 0;
}
