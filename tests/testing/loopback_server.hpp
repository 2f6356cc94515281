#pragma once
// A blocking HTTP/1.1 server on 127.0.0.1 for client tests and benches, plain or TLS (with
// optional client certificates). Unlike http::Server it lets a handler write raw bytes at
// its own pace (chunked bodies, stalls, half responses) and counts connections, so tests can
// observe keep-alive. One thread per connection; not for production.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/server.hpp"
#include "testing/test_pki.hpp"

namespace rotor::testing {

// One request's answer channel.
class Exchange {
 public:
  virtual ~Exchange() = default;
  // Raw bytes to the client; false once the connection is gone.
  virtual bool write(std::string_view bytes) = 0;
  // A whole response with Content-Length; keeps the connection unless `keep_alive` is false.
  bool respond(int status, std::string_view body, std::string_view extra_headers = "");
  // True once the server is stopping: a handler that stalls on purpose polls this.
  virtual bool stopping() const = 0;
  // Set false to close the connection after the handler returns.
  bool keep_alive = true;
};

using RawHandler = std::function<void(const http::ServerRequest&, Exchange&)>;

struct LoopbackOptions {
  bool tls = false;
  CertifiedKey identity;              // the server's certificate and key when tls
  std::string client_ca_pem;          // when set, a client certificate signed by it is required
  std::string address = "127.0.0.1";  // any 127.x.y.z: one the certificate does not name
};

class LoopbackServer {
 public:
  explicit LoopbackServer(RawHandler handler, LoopbackOptions options = {});
  ~LoopbackServer();  // stops
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const;
  std::string url(const std::string& path) const;  // scheme://address:port + path
  int connections() const;                         // accepted so far
  int requests() const;                            // handed to the handler so far
  std::string last_client_cn() const;              // CN of the last client certificate
  // Closes the listener and every connection (waking blocked reads), joins the threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rotor::testing
