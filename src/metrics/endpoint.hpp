#pragma once
// A plain-HTTP listener for /metrics, /healthz and /readyz: a few GET paths, each answered
// by a function, on the Asio server of src/http. Kept apart from the API traffic so that a
// slow scrape never holds up a reconcile.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "http/http.hpp"
#include "http/server.hpp"

namespace rotor::metrics {

struct BindAddress {
  std::string host;  // an IP address; "0.0.0.0" for ":8080"
  int port = 0;
};

// Parses controller-runtime's bind-address flags: ":8080", "127.0.0.1:8080", "[::1]:8080".
// "0" means "disabled": the result is nullopt with `error` empty; a malformed address gives
// nullopt with `error` set.
std::optional<BindAddress> parse_bind_address(const std::string& text, std::string& error);

class Endpoint {
 public:
  using Page = std::function<http::Response()>;

  explicit Endpoint(std::map<std::string, Page> pages);
  ~Endpoint();
  // Returns the bound port; throws std::runtime_error when the address cannot be bound.
  int start(const BindAddress& address);
  void stop();

  // A text answer with the given status.
  static http::Response text(int status, std::string body,
                             const std::string& content_type = "text/plain; charset=utf-8");

 private:
  http::ServerReply answer(const http::ServerRequest& req) const;

  std::map<std::string, Page> pages_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace rotor::metrics
