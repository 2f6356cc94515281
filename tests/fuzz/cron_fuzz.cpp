// CronSchedule::parse (spec.rotation.schedule) in a few real zones, some with half-hour DST
// or southern-hemisphere rules. A schedule that parses fires after any instant, and the
// firing found is stable: asking again from just before it gives the same instant.
#include <array>
#include <chrono>
#include <string>

#include "fuzz_check.hpp"
#include "schedule/schedule.hpp"

namespace {

constexpr std::array<const char*, 5> kZones = {"", "UTC", "Europe/Berlin", "Australia/Lord_Howe",
                                               "America/Sao_Paulo"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace std::chrono;
  rotor::fuzz::Input in(data, size);
  const char* zone = kZones[in.byte() % kZones.size()];
  // Any instant between 1970 and about 2106, to the second.
  const std::uint32_t seconds = static_cast<std::uint32_t>(in.byte()) << 24 |
                                static_cast<std::uint32_t>(in.byte()) << 16 |
                                static_cast<std::uint32_t>(in.byte()) << 8 | in.byte();
  const rotor::TimePoint t{std::chrono::seconds(seconds)};
  std::string error;
  const auto cron = rotor::schedule::CronSchedule::parse(in.rest(), zone, error);
  if (!cron) {
    FUZZ_CHECK(!error.empty(), "a refused schedule says why");
    return 0;
  }
  const auto next = cron->next_after(t);
  FUZZ_CHECK(next.has_value(), "a schedule that parses fires again");
  FUZZ_CHECK(*next > t, "the next firing is after the instant asked about");
  FUZZ_CHECK(duration_cast<nanoseconds>(next->time_since_epoch()).count() % 1'000'000'000 == 0,
             "firings are whole seconds");
  const rotor::TimePoint just_before = *next - std::chrono::seconds(1);
  if (just_before >= t) {
    FUZZ_CHECK(cron->next_after(just_before) == next, "no firing between t and the next one");
  }
  return 0;
}
