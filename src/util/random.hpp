#pragma once
// Randomness behind an interface: OpenSSL's CSPRNG in production, a seeded sequence in
// tests that need to reproduce a draw.
#include <cstdint>
#include <memory>

namespace rotor {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out` with `n` random bytes; throws std::runtime_error if the source fails.
  virtual void fill(std::uint8_t* out, std::size_t n) = 0;

  // A uniformly distributed integer in [0, bound), bound > 0, without modulo bias
  // (rejection sampling over the largest multiple of bound that fits in 32 bits).
  std::uint32_t uniform(std::uint32_t bound);
};

// RAND_bytes from OpenSSL.
class OpenSslRandom final : public RandomSource {
 public:
  void fill(std::uint8_t* out, std::size_t n) override;
};

std::unique_ptr<RandomSource> make_system_random();

}  // namespace rotor
