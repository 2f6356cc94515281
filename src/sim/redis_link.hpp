#pragma once
// A tiny synchronous RESP client: just enough to set the password of the real redis-server
// behind a simulated DCS instance, so that tests can prove a rotation reached the data
// plane (new password accepted, old one refused).
#include <chrono>
#include <string>

#include "util/secret.hpp"

namespace rotor::sim {

// Connects to host:port, authenticates with `current` (nullptr: no password is set), then
// CONFIG SET requirepass `next` (empty: password-free). Every step is bounded by `timeout`.
// Returns "" on success, else the reason (Redis's error or the I/O failure, never a
// password). Existing client connections stay open, as on DCS.
std::string redis_set_password(const std::string& host, int port, const Secret* current,
                               const Secret& next,
                               std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

}  // namespace rotor::sim
