// The time zone readers: TZif bytes (TimeZone::from_tzif, the zone files schedules load)
// and the POSIX TZ rule of a TZif footer (PosixTz::parse). Zone files come from the
// system, but a corrupt or truncated one must be refused, never read past its end. A
// footer rule that parses gives, at any instant, its standard or its daylight offset.
#include <string>

#include "fuzz_check.hpp"
#include "schedule/tzfile.hpp"

namespace {

// Instants within ±300 years of 1970: what a nanosecond TimePoint can hold, so the only
// instants a schedule ever asks about.
constexpr std::int64_t kMaxInstant = 300LL * 366 * 86400;

std::int64_t instant(rotor::fuzz::Input& in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | in.byte();
  return static_cast<std::int64_t>(v % (2 * kMaxInstant + 1)) - kMaxInstant;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using rotor::schedule::PosixTz;
  using rotor::schedule::TimeZone;
  rotor::fuzz::Input in(data, size);
  const std::int64_t at = instant(in);
  const std::string_view bytes = in.rest();

  if (const auto rule = PosixTz::parse(bytes)) {
    const std::int32_t offset = rule->offset_at(at);
    FUZZ_CHECK(offset == rule->std_offset || (rule->has_dst && offset == rule->dst_offset),
               "a POSIX rule's offset is its standard or its daylight one");
  }

  std::string error;
  const auto zone = TimeZone::from_tzif("Fuzz/Zone", bytes, error);
  if (!zone) {
    FUZZ_CHECK(!error.empty(), "a refused zone file says why");
    return 0;
  }
  // Local time at `at` maps back to instants; `at` is one of them unless the zone's
  // transitions are closer than a day apart, which resolve() assumes and real zones obey.
  const std::int64_t local = at + zone->offset_at(at);
  const auto mapping = zone->resolve(local);
  FUZZ_CHECK(mapping.first <= mapping.second, "the earlier instant comes first");
  return 0;
}
