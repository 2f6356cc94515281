#include "http/connection.hpp"

#include "http/tls_context.hpp"

#include <openssl/x509.h>
#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>

namespace rotor::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

namespace {

enum class Step { kResolve, kConnect, kHandshake, kWrite, kRead };

const char* step_name(Step s) {
  switch (s) {
    case Step::kResolve:
      return "resolve";
    case Step::kConnect:
      return "connect";
    case Step::kHandshake:
      return "TLS handshake";
    case Step::kWrite:
      return "write";
    case Step::kRead:
      return "read";
  }
  return "transport";
}

// The kinds the cpprestsdk client reported for the same failures: a timeout anywhere is a
// timeout; resolve and connect failures mean nothing was sent; a handshake failure is TLS.
Failure classify(Step step, const error_code& ec) {
  Failure f;
  f.detail = std::string(step_name(step)) + ": " + ec.message();
  if (ec == beast::error::timeout) {
    f.kind = TransportError::kTimeout;
  } else if (step == Step::kResolve || step == Step::kConnect) {
    f.kind = TransportError::kConnectFailed;
  } else if (step == Step::kHandshake) {
    f.kind = TransportError::kTls;
  } else if (ec.category() == asio::error::get_ssl_category() &&
             ec != asio::ssl::error::stream_truncated) {
    f.kind = TransportError::kTls;
  } else if (ec.category() ==
                 beast_http::make_error_code(beast_http::error::end_of_stream).category() &&
             ec != beast_http::error::end_of_stream && ec != beast_http::error::partial_message) {
    f.kind = TransportError::kOther;  // the server's answer is not HTTP/1.1
  } else {
    f.kind = TransportError::kConnectionLost;
  }
  return f;
}

}  // namespace

Connection::Connection(std::string key, std::shared_ptr<asio::ssl::context> tls)
    : key_(std::move(key)), tls_context_(std::move(tls)) {
  if (tls_context_) {
    tls_.emplace(io_, *tls_context_);
  } else {
    plain_.emplace(io_);
  }
}

Connection::~Connection() {
  error_code ignored;
  tcp().socket().close(ignored);
}

beast::tcp_stream& Connection::tcp() {
  return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
}

void Connection::run() {
  io_.restart();
  io_.run();
}

std::optional<Failure> Connection::open(const Url& url, bool verify_tls, SteadyTime deadline) {
  std::string host = url.host;
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  // Synchronous: an asynchronous resolve would start a helper thread per io_context. An IP
  // address (in-cluster API servers, the simulator) resolves without a lookup; a name waits
  // at most as long as the system resolver's own timeouts.
  asio::ip::tcp::resolver resolver(io_);
  error_code ec;
  const auto endpoints = resolver.resolve(host, std::to_string(url.port), ec);
  if (ec) return classify(Step::kResolve, ec);
  tcp().expires_at(deadline);
  tcp().async_connect(endpoints, [&ec](error_code e, const auto&) { ec = e; });
  run();
  if (ec) return classify(Step::kConnect, ec);
  tcp().socket().set_option(asio::ip::tcp::no_delay(true), ec);
  if (!tls_) return std::nullopt;
  if (!expect_peer(tls_->native_handle(), url.host, verify_tls)) {
    return Failure{TransportError::kTls, "TLS handshake: cannot set the expected server name"};
  }
  tcp().expires_at(deadline);
  tls_->async_handshake(asio::ssl::stream_base::client, [&ec](error_code e) { ec = e; });
  run();
  if (!ec) return std::nullopt;
  Failure f = classify(Step::kHandshake, ec);
  const long verify = SSL_get_verify_result(tls_->native_handle());
  if (verify != X509_V_OK && f.kind == TransportError::kTls) {
    f.detail += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
  }
  return f;
}

std::optional<Failure> Connection::write(BeastRequest& request, SteadyTime deadline,
                                         std::size_t& written) {
  error_code ec;
  written = 0;
  tcp().expires_at(deadline);
  auto done = [&](error_code e, std::size_t n) {
    ec = e;
    written = n;
  };
  if (tls_) {
    beast_http::async_write(*tls_, request, done);
  } else {
    beast_http::async_write(*plain_, request, done);
  }
  run();
  if (ec) return classify(Step::kWrite, ec);
  return std::nullopt;
}

std::optional<Failure> Connection::read_header(ResponseParser& parser, SteadyTime deadline) {
  error_code ec;
  tcp().expires_at(deadline);
  auto done = [&ec](error_code e, std::size_t) { ec = e; };
  if (tls_) {
    beast_http::async_read_header(*tls_, buffer_, parser, done);
  } else {
    beast_http::async_read_header(*plain_, buffer_, parser, done);
  }
  run();
  if (ec) return classify(Step::kRead, ec);
  return std::nullopt;
}

std::optional<Failure> Connection::read_body_some(ResponseParser& parser, char* into,
                                                  std::size_t size, SteadyTime deadline,
                                                  std::size_t& got) {
  parser.get().body().data = into;
  parser.get().body().size = size;
  error_code ec;
  tcp().expires_at(deadline);
  auto done = [&ec](error_code e, std::size_t) { ec = e; };
  if (tls_) {
    beast_http::async_read_some(*tls_, buffer_, parser, done);
  } else {
    beast_http::async_read_some(*plain_, buffer_, parser, done);
  }
  run();
  got = size - parser.get().body().size;
  if (ec == beast_http::error::need_buffer) ec = {};  // `into` is full: not a failure
  if (ec) return classify(Step::kRead, ec);
  return std::nullopt;
}

bool Connection::looks_reusable() {
  auto& socket = tcp().socket();
  if (!socket.is_open() || buffer_.size() > 0) return false;
  pollfd p{socket.native_handle(), POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, 0) == 0;
}

void Connection::interrupt() {
  asio::post(io_, [this] {
    error_code ignored;
    tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    tcp().socket().close(ignored);
  });
}

}  // namespace rotor::http
