// The deterministic simulation as a test: ROTOR_DST_SEEDS seeds (default 300) starting at
// ROTOR_DST_FIRST_SEED, each must keep every invariant. scripts/test runs the standalone
// runner (rotor-dst) with more seeds.
#include <gtest/gtest.h>

#include <cstdlib>

#include "world.hpp"

namespace rotor::dst {
namespace {

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

TEST(Simulation, EverySeedKeepsTheInvariants) {
  const std::uint64_t first = env_or("ROTOR_DST_FIRST_SEED", 1);
  const std::uint64_t seeds = env_or("ROTOR_DST_SEEDS", 300);
  Stats total;
  for (std::uint64_t s = first; s < first + seeds; ++s) {
    const Outcome o = run({.seed = s});
    ASSERT_TRUE(o.ok) << "seed " << s << ": " << o.violation << "\nreplay: rotor-dst --seed " << s
                      << " --verbose";
    total.crashes += o.stats.crashes;
    total.rotations += o.stats.rotations;
  }
  // The simulation must exercise what it claims to: crashes happen and rotations complete.
  EXPECT_GT(total.crashes, seeds);
  EXPECT_GT(total.rotations, seeds);
}

TEST(Simulation, ASeedReplaysExactly) {
  const Outcome a = run({.seed = 42, .verbose = true});
  const Outcome b = run({.seed = 42, .verbose = true});
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_FALSE(a.trace.empty());
  const Outcome c = run({.seed = 43, .verbose = true});
  EXPECT_NE(a.trace, c.trace);
}

}  // namespace
}  // namespace rotor::dst
