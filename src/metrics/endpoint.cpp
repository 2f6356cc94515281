#include "metrics/endpoint.hpp"

#include <charconv>

namespace rotor::metrics {

std::optional<BindAddress> parse_bind_address(const std::string& text, std::string& error) {
  error.clear();
  if (text == "0") return std::nullopt;
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    error = "bind address \"" + text + "\" must be [host]:port, or 0 to disable";
    return std::nullopt;
  }
  BindAddress a;
  a.host = text.substr(0, colon);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']')
    a.host = a.host.substr(1, a.host.size() - 2);
  if (a.host.empty()) a.host = "0.0.0.0";
  const std::string port = text.substr(colon + 1);
  const auto r = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (port.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || a.port < 0 ||
      a.port > 65535) {
    error = "bind address \"" + text + "\" has no valid port";
    return std::nullopt;
  }
  return a;
}

Endpoint::Endpoint(std::map<std::string, Page> pages) : pages_(std::move(pages)) {}

Endpoint::~Endpoint() {
  stop();
}

int Endpoint::start(const BindAddress& address) {
  http::ServerOptions options;
  options.threads = 1;  // scrapes and probes are rare and quick
  options.max_body_bytes = 0;
  options.stop_grace = std::chrono::seconds(1);
  server_ = std::make_unique<http::Server>(
      [this](const http::ServerRequest& req) { return answer(req); }, options);
  return server_->start(address.host, address.port);
}

void Endpoint::stop() {
  if (server_) server_->stop();
}

http::Response Endpoint::text(int status, std::string body, const std::string& content_type) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", content_type);
  r.body = std::move(body);
  return r;
}

http::ServerReply Endpoint::answer(const http::ServerRequest& req) const {
  http::ServerReply reply;
  const auto it = pages_.find(req.path);
  if (it == pages_.end()) {
    reply.response = text(404, "not found\n");
  } else if (req.method != "GET") {
    reply.response = text(405, "method not allowed\n");
    reply.response.headers.set("Allow", "GET");
  } else {
    try {
      reply.response = it->second();
    } catch (const std::exception&) {
      reply.response = text(500, "internal error\n");
    }
  }
  return reply;
}

}  // namespace rotor::metrics
