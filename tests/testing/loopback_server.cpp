#include "testing/loopback_server.hpp"

#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <charconv>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace rotor::testing {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

bool Exchange::respond(int status, std::string_view body, std::string_view extra_headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  out += extra_headers;
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += keep_alive ? "\r\n" : "Connection: close\r\n\r\n";
  out += body;
  return write(out);
}

namespace {

// Reads one request (Content-Length bodies only); false when the connection ended.
template <typename Stream>
bool read_request(Stream& stream, std::string& buffer, http::ServerRequest& req) {
  boost::system::error_code ec;
  const std::size_t head = asio::read_until(stream, asio::dynamic_buffer(buffer), "\r\n\r\n", ec);
  if (ec) return false;
  const std::string text = buffer.substr(0, head);
  buffer.erase(0, head);
  std::size_t eol = text.find("\r\n");
  const std::string line = text.substr(0, eol);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  req = http::ServerRequest{};
  req.method = line.substr(0, sp1);
  req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  while (eol + 2 < text.size()) {
    const std::size_t next = text.find("\r\n", eol + 2);
    const std::string h = text.substr(eol + 2, next - eol - 2);
    eol = next;
    const auto colon = h.find(':');
    if (colon == std::string::npos) continue;
    const auto value = h.find_first_not_of(' ', colon + 1);
    req.headers.add(h.substr(0, colon), value == std::string::npos ? "" : h.substr(value));
  }
  std::size_t length = 0;
  if (auto cl = req.headers.get("Content-Length")) {
    std::from_chars(cl->data(), cl->data() + cl->size(), length);
  }
  if (buffer.size() < length) {
    asio::read(stream, asio::dynamic_buffer(buffer), asio::transfer_exactly(length - buffer.size()),
               ec);
    if (ec) return false;
  }
  req.body = buffer.substr(0, length);
  buffer.erase(0, length);
  return true;
}

template <typename Stream>
class StreamExchange final : public Exchange {
 public:
  StreamExchange(Stream& stream, const std::atomic<bool>& stopping)
      : stream_(stream), stopping_(stopping) {}
  bool stopping() const override { return stopping_; }
  bool write(std::string_view bytes) override {
    boost::system::error_code ec;
    asio::write(stream_, asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
  }

 private:
  Stream& stream_;
  const std::atomic<bool>& stopping_;
};

}  // namespace

struct LoopbackServer::Impl {
  RawHandler handler;
  LoopbackOptions options;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::unique_ptr<asio::ssl::context> tls;
  std::thread acceptor_thread;
  std::mutex mu;
  std::list<tcp::socket> sockets;  // guarded by mu; list: addresses stay put
  std::vector<std::thread> workers;
  std::string last_cn;
  std::atomic<int> connections{0};
  std::atomic<int> requests{0};
  std::atomic<bool> stopping{false};
  int port = 0;

  template <typename Stream>
  void serve(Stream& stream) {
    std::string buffer;
    http::ServerRequest req;
    while (!stopping && read_request(stream, buffer, req)) {
      ++requests;
      StreamExchange<Stream> exchange(stream, stopping);
      handler(req, exchange);
      if (!exchange.keep_alive) return;
    }
  }

  void serve_tls(tcp::socket& socket) {
    asio::ssl::stream<tcp::socket&> stream(socket, *tls);
    boost::system::error_code ec;
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;
    if (X509* peer = SSL_get1_peer_certificate(stream.native_handle())) {
      char cn[256] = {};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
      X509_free(peer);
      std::lock_guard lock(mu);
      last_cn = cn;
    }
    serve(stream);
  }

  void accept_loop() {
    for (;;) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (stopping) return;
      if (ec) continue;
      ++connections;
      socket.set_option(tcp::no_delay(true), ec);  // no Nagle wait between TLS records
      std::lock_guard lock(mu);
      tcp::socket& kept = sockets.emplace_back(std::move(socket));
      workers.emplace_back([this, &kept] {
        if (tls) {
          serve_tls(kept);
        } else {
          serve(kept);
        }
        ::shutdown(kept.native_handle(), SHUT_RDWR);  // the client sees the end at once
      });
    }
  }
};

LoopbackServer::LoopbackServer(RawHandler handler, LoopbackOptions options)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.handler = std::move(handler);
  s.options = std::move(options);
  if (s.options.tls) {
    s.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    s.tls->use_certificate_chain(asio::buffer(s.options.identity.cert_pem));
    s.tls->use_private_key(asio::buffer(s.options.identity.key_pem), asio::ssl::context::pem);
    if (!s.options.client_ca_pem.empty()) {
      s.tls->add_certificate_authority(asio::buffer(s.options.client_ca_pem));
      s.tls->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
  }
  const tcp::endpoint ep(asio::ip::make_address(s.options.address), 0);
  s.acceptor.open(ep.protocol());
  s.acceptor.bind(ep);
  s.acceptor.listen();
  s.port = s.acceptor.local_endpoint().port();
  s.acceptor_thread = std::thread([&s] { s.accept_loop(); });
}

LoopbackServer::~LoopbackServer() {
  stop();
}

int LoopbackServer::port() const {
  return impl_->port;
}

std::string LoopbackServer::url(const std::string& path) const {
  return std::string(impl_->options.tls ? "https" : "http") + "://" + impl_->options.address + ":" +
         std::to_string(impl_->port) + path;
}

int LoopbackServer::connections() const {
  return impl_->connections;
}

int LoopbackServer::requests() const {
  return impl_->requests;
}

std::string LoopbackServer::last_client_cn() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_cn;
}

void LoopbackServer::stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  // shutdown() wakes a thread blocked in accept() or read() on the same descriptor.
  ::shutdown(s.acceptor.native_handle(), SHUT_RDWR);
  s.acceptor_thread.join();
  {
    std::lock_guard lock(s.mu);
    for (auto& socket : s.sockets) ::shutdown(socket.native_handle(), SHUT_RDWR);
  }
  for (auto& t : s.workers) t.join();
  boost::system::error_code ignored;
  s.acceptor.close(ignored);
}

}  // namespace rotor::testing
