#pragma once
// Deterministic simulation of rotor: the real reconciler, rotation engine, account resolver,
// auth gate and work queue, driven by one seeded scheduler in simulated time against an
// in-memory API server (FakeApi) and a model cloud, with crashes and faults at every step
// and the invariants of the two promises checked after every step. A seed fixes every
// choice, so a failing seed replays exactly (rotor-dst --seed N --verbose).
#include <cstdint>
#include <string>
#include <vector>

namespace rotor::dst {

struct Options {
  std::uint64_t seed = 1;
  int fault_steps = 60;   // steps with faults, crashes and people at work
  int settle_rounds = 6;  // then: faults stop; rounds of people fixing and rotor converging
  bool verbose = false;   // keep the step trace
};

struct Stats {
  std::uint64_t steps = 0;
  std::uint64_t reconciles = 0;
  std::uint64_t crashes = 0;
  std::uint64_t cloud_calls = 0;
  std::uint64_t rotations = 0;
  std::uint64_t wrong_attempts = 0;
};

struct Outcome {
  bool ok = true;
  std::string violation;  // which invariant, at which step, and why
  std::vector<std::string> trace;
  Stats stats;
};

Outcome run(const Options& options);

}  // namespace rotor::dst
