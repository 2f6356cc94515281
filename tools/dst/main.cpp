// rotor-dst: runs the deterministic simulation (tests/dst) over many seeds.
//   rotor-dst --seeds N [--first S] [--jobs J]   run seeds S .. S+N-1, print figures
//   rotor-dst --seed S --verbose                 replay one seed and print its trace
// Exit status 1 when any seed breaks an invariant (the seed and the violation are printed).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "world.hpp"

int main(int argc, char** argv) {
  std::uint64_t first = 1, seeds = 1000;
  unsigned jobs = 1;
  bool verbose = false, one = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : "";
    if (a == "--seeds")
      seeds = std::strtoull(next, nullptr, 10), ++i;
    else if (a == "--first")
      first = std::strtoull(next, nullptr, 10), ++i;
    else if (a == "--seed")
      first = std::strtoull(next, nullptr, 10), seeds = 1, one = true, ++i;
    else if (a == "--jobs")
      jobs = static_cast<unsigned>(std::strtoul(next, nullptr, 10)), ++i;
    else if (a == "--verbose")
      verbose = true;
    else {
      std::cerr << "usage: rotor-dst [--seeds N] [--first S] [--jobs J] | --seed S [--verbose]\n";
      return 2;
    }
  }
  if (jobs == 0) jobs = 1;
  const auto start = std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> next{first}, failed{0};
  std::uint64_t done = 0;
  std::mutex mu;
  rotor::dst::Stats total;
  auto worker = [&] {
    for (;;) {
      const std::uint64_t s = next++;
      if (s >= first + seeds) return;
      const auto o = rotor::dst::run({.seed = s, .verbose = verbose});
      std::lock_guard lock(mu);
      if (++done % 50000 == 0) {  // progress for long runs: seeds done, violations, seconds
        std::cerr << "progress: " << done << " seeds, " << failed.load() << " violations, "
                  << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                  << " s\n";
      }
      if (verbose || one) {
        for (const auto& line : o.trace) std::cout << line << "\n";
      }
      total.steps += o.stats.steps;
      total.reconciles += o.stats.reconciles;
      total.crashes += o.stats.crashes;
      total.cloud_calls += o.stats.cloud_calls;
      total.rotations += o.stats.rotations;
      total.wrong_attempts += o.stats.wrong_attempts;
      if (!o.ok) {
        ++failed;
        std::cout << "VIOLATION seed " << s << ": " << o.violation
                  << "\n  replay: rotor-dst --seed " << s << " --verbose\n";
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "seeds " << seeds << " (from " << first << "), violations " << failed.load()
            << ", steps " << total.steps << ", reconciles " << total.reconciles << ", crashes "
            << total.crashes << ", cloud calls " << total.cloud_calls << ", rotations "
            << total.rotations << ", wrong-password attempts " << total.wrong_attempts << ", "
            << secs << " s\n";
  return failed.load() ? 1 : 0;
}
