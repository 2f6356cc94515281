#include "util/random.hpp"

#include <openssl/rand.h>

#include <limits>
#include <stdexcept>

namespace rotor {

std::uint32_t RandomSource::uniform(std::uint32_t bound) {
  if (bound == 0) throw std::invalid_argument("uniform: bound must be positive");
  // Values at or above `limit` would make the low residues more likely; draw again.
  const std::uint64_t range = std::uint64_t{std::numeric_limits<std::uint32_t>::max()} + 1;
  const std::uint64_t limit = range - range % bound;
  for (;;) {
    std::uint8_t b[4];
    fill(b, sizeof b);
    const std::uint32_t v = std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 |
                            std::uint32_t{b[2]} << 16 | std::uint32_t{b[3]} << 24;
    if (v < limit) return v % bound;
  }
}

void OpenSslRandom::fill(std::uint8_t* out, std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      RAND_bytes(out, static_cast<int>(n)) != 1) {
    throw std::runtime_error("the system random generator failed");
  }
}

std::unique_ptr<RandomSource> make_system_random() {
  return std::make_unique<OpenSslRandom>();
}

}  // namespace rotor
