#include "http/connection_pool.hpp"

namespace rotor::http {

std::unique_ptr<Connection> ConnectionPool::take(const std::string& key) {
  std::vector<std::unique_ptr<Connection>> stale;  // closed outside the lock
  std::unique_ptr<Connection> found;
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    const auto oldest_allowed = std::chrono::steady_clock::now() - max_idle_;
    while (!list.empty() && !found) {
      std::unique_ptr<Connection> c = std::move(list.back());
      list.pop_back();
      if (c->idle_since() >= oldest_allowed && c->looks_reusable()) {
        found = std::move(c);
      } else {
        stale.push_back(std::move(c));
      }
    }
    if (list.empty()) idle_.erase(it);
  }
  return found;
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  connection->mark_idle();
  std::unique_ptr<Connection> surplus;
  std::lock_guard lock(mu_);
  auto& list = idle_[connection->key()];
  list.push_back(std::move(connection));
  if (list.size() > max_idle_per_key_) {
    surplus = std::move(list.front());  // the one idle longest
    list.erase(list.begin());
  }
}

}  // namespace rotor::http
