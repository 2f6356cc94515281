#pragma once
// A small HTTP/1.1 server for test doubles (the cloud simulator) and local endpoints.
//
// Not cpprestsdk's http_listener: it decodes and normalises the request URI before the
// handler sees it, so a signature computed by the client over the raw path and query could
// not be verified, and it cannot close a connection without answering, which the
// simulator's "apply the password, then drop the connection" fault needs. This server hands
// the handler the request-target exactly as received and lets the handler drop the socket.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "http/http.hpp"

namespace rotor::http {

struct ServerRequest {
  std::string method;  // as received, e.g. "POST"
  std::string target;  // the raw request-target: path[?query], never decoded
  std::string path;    // raw, the part of target before '?'
  std::string query;   // raw, the part after '?' (empty when there is none)
  Headers headers;
  std::string body;
  std::string peer;  // "address:port" of the client
};

struct ServerReply {
  Response response;
  // Close the socket without writing anything (after `delay`): the client sees its request
  // sent and the connection lost, not knowing whether the server acted on it.
  bool drop_connection = false;
  // Wait this long before answering (or dropping); the wait does not block a worker.
  std::chrono::milliseconds delay{0};
};

using Handler = std::function<ServerReply(const ServerRequest&)>;

struct ServerOptions {
  int threads = 4;                           // workers running the handler and the I/O
  std::size_t max_header_bytes = 64 * 1024;  // larger heads answer 431
  std::size_t max_body_bytes = 1024 * 1024;  // larger bodies answer 413
  std::chrono::seconds idle_timeout{60};     // keep-alive connections idle this long close
  std::chrono::seconds stop_grace{5};        // stop() waits this long for requests in flight
};

// Plain HTTP only: the simulator listens on loopback. Bodies must carry Content-Length
// (chunked requests answer 411). Handler exceptions answer 500 without detail.
class Server {
 public:
  explicit Server(Handler handler, ServerOptions options = {});
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; returns the bound port (`port` 0 picks a free one). Throws
  // std::runtime_error when the address cannot be bound or the server already runs.
  int start(const std::string& host, int port);
  // Stops accepting, lets requests in flight finish (up to stop_grace), closes every
  // connection and joins the workers. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rotor::http
