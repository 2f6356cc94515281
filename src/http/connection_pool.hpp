#pragma once
// Idle keep-alive connections per scheme://host:port, so that a burst of requests to one
// endpoint pays for one TCP and TLS handshake, not one per request.
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/connection.hpp"

namespace rotor::http {

class ConnectionPool {
 public:
  // Servers and load balancers close idle connections after a while (often 60 s); one
  // idle longer than `max_idle` is not offered again, which keeps the race between our
  // next request and their close rare.
  explicit ConnectionPool(std::size_t max_idle_per_key = 8,
                          std::chrono::seconds max_idle = std::chrono::seconds(30))
      : max_idle_per_key_(max_idle_per_key), max_idle_(max_idle) {}

  // The most recently used idle connection that still looks usable, or null.
  std::unique_ptr<Connection> take(const std::string& key);
  // A connection whose last response was read to its end and may carry another.
  void give_back(std::unique_ptr<Connection> connection);

 private:
  std::size_t max_idle_per_key_;
  std::chrono::seconds max_idle_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;  // guarded by mu_
};

}  // namespace rotor::http
