// Password generation throughput and redraw rate for each call's default policy, drawing
// from the system RNG (OpenSSL RAND_bytes) as production does. Prints figures only.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "password/policy.hpp"

namespace {

using rotor::password::Call;

void run(Call call, std::size_t count, rotor::RandomSource& random) {
  rotor::password::Options options;
  if (call == Call::kDdmReset) options.username = "rotor_admin";
  const rotor::password::Policy policy = rotor::password::make_policy(call, options);

  std::size_t redraws = 0, max_redraws = 0, length = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t r = 0;
    const rotor::Secret s = rotor::password::generate(policy, random, &r);
    length += s.size();  // keeps the call from being optimised away
    redraws += r;
    max_redraws = std::max(max_redraws, r);
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  const double n = static_cast<double>(count);
  std::printf("%-11s length %2zu  %9.0f passwords/s  %6.3f us each  redraws: %.5f avg, %zu max\n",
              rotor::password::to_string(call), length / count, n / took.count(),
              took.count() / n * 1e6, static_cast<double>(redraws) / n, max_redraws);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  if (count == 0) {
    std::fprintf(stderr, "usage: %s [passwords per call]\n", argv[0]);
    return 2;
  }
  auto random = rotor::make_system_random();
  std::printf("%zu passwords per call, system RNG\n", count);
  for (Call call : {Call::kDcsReset, Call::kDcsChange, Call::kDdmReset, Call::kDmsReset}) {
    run(call, count, *random);
  }
  return 0;
}
