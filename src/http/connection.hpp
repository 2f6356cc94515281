#pragma once
// One HTTP/1.1 connection (plain or TLS) on Boost.Beast, with an io_context of its own that
// the thread using it runs until each step completes: a connection is used by one thread at
// a time (the pool hands it out), and a step never waits on another connection's traffic.
// Every step has a deadline; interrupt() may be called from any thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/http.hpp"

namespace rotor::http {

namespace beast_http = boost::beast::http;
using SteadyTime = std::chrono::steady_clock::time_point;
using BeastRequest = beast_http::request<beast_http::string_body>;
using ResponseParser = beast_http::response_parser<beast_http::buffer_body>;

// Why a step failed, already in our vocabulary; `detail` never carries headers or bodies.
struct Failure {
  TransportError kind = TransportError::kOther;
  std::string detail;
};

class Connection {
 public:
  // `tls` null for http. `key` names the pool the connection belongs to.
  Connection(std::string key, std::shared_ptr<boost::asio::ssl::context> tls);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& key() const { return key_; }

  std::optional<Failure> open(const Url& url, bool verify_tls, SteadyTime deadline);
  // `written` counts the bytes that left us, so that a caller knows whether the server may
  // have seen any of the request.
  std::optional<Failure> write(BeastRequest& request, SteadyTime deadline, std::size_t& written);
  std::optional<Failure> read_header(ResponseParser& parser, SteadyTime deadline);
  // Reads what arrives (at least one byte unless the body ends) into `into`; `got` is how
  // many body bytes it holds afterwards.
  std::optional<Failure> read_body_some(ResponseParser& parser, char* into, std::size_t size,
                                        SteadyTime deadline, std::size_t& got);

  // Idle and worth reusing: the socket is open and the server has neither closed it nor
  // sent anything unasked (which includes a TLS close_notify).
  bool looks_reusable();
  SteadyTime idle_since() const { return idle_since_; }
  void mark_idle() { idle_since_ = std::chrono::steady_clock::now(); }

  // Closes the socket from any thread: a read in progress ends with an error at once.
  void interrupt();

 private:
  boost::beast::tcp_stream& tcp();
  void run();  // runs the io_context until the step started is complete

  std::string key_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  boost::asio::io_context io_;  // before the streams: they are destroyed first
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  boost::beast::flat_buffer buffer_;
  SteadyTime idle_since_{};
};

}  // namespace rotor::http
