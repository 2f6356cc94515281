// The HTTP/1.1 server of server.hpp on Boost.Asio: one strand per connection, a few
// worker threads running the io_context, keep-alive, Content-Length bodies.

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility> (C++20).
#include <utility>

#include <atomic>
#include <boost/asio.hpp>
#include <charconv>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/server.hpp"

namespace rotor::http {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

const char* reason(int status) {
  static const std::map<int, const char*> kReasons = {{100, "Continue"},
                                                      {200, "OK"},
                                                      {201, "Created"},
                                                      {204, "No Content"},
                                                      {400, "Bad Request"},
                                                      {401, "Unauthorized"},
                                                      {403, "Forbidden"},
                                                      {404, "Not Found"},
                                                      {405, "Method Not Allowed"},
                                                      {409, "Conflict"},
                                                      {411, "Length Required"},
                                                      {413, "Payload Too Large"},
                                                      {429, "Too Many Requests"},
                                                      {431, "Request Header Fields Too Large"},
                                                      {500, "Internal Server Error"},
                                                      {502, "Bad Gateway"},
                                                      {503, "Service Unavailable"},
                                                      {504, "Gateway Timeout"}};
  const auto it = kReasons.find(status);
  return it == kReasons.end() ? "Unknown" : it->second;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

// Parses the request line and headers (without the final blank line); false if malformed.
bool parse_head(std::string_view head, ServerRequest& req, std::string& version) {
  auto eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return false;
  req.method = std::string(line.substr(0, sp1));
  req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  version = std::string(line.substr(sp2 + 1));
  if (req.method.empty() || req.target.empty() || version.rfind("HTTP/1.", 0) != 0) return false;
  std::string_view origin = req.target;
  if (origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0) {
    // Absolute form (proxies): keep what follows the authority, still undecoded.
    const auto slash = origin.find('/', origin.find("//") + 2);
    origin = slash == std::string_view::npos ? std::string_view("/") : origin.substr(slash);
  }
  const auto q = origin.find('?');
  req.path = std::string(origin.substr(0, q));
  req.query = q == std::string_view::npos ? "" : std::string(origin.substr(q + 1));
  while (eol != std::string_view::npos) {
    const auto start = eol + 2;
    eol = head.find("\r\n", start);
    const std::string_view h =
        head.substr(start, eol == std::string_view::npos ? eol : eol - start);
    if (h.empty()) continue;
    const auto colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0 || h.front() == ' ' || h.front() == '\t') {
      return false;  // no name, or obsolete line folding
    }
    req.headers.add(std::string(h.substr(0, colon)), trim(h.substr(colon + 1)));
  }
  return true;
}

}  // namespace

struct Server::Impl {
  class Connection;

  Handler handler;
  ServerOptions options;
  asio::io_context io;
  // Keeps the workers in run() until stop() is done: without it they return as soon as no
  // operation is pending, and the closes stop() posts would never run.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{asio::make_strand(io)};  // a strand: stop() closes it from outside
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  bool running = false;  // guarded by mu
  std::mutex mu;
  std::condition_variable idle_cv;
  int in_flight = 0;  // requests being handled or answered; guarded by mu
  std::map<std::uint64_t, std::weak_ptr<Connection>> connections;  // guarded by mu
  std::uint64_t next_id = 0;

  void accept();
  void request_started() {
    std::lock_guard lock(mu);
    ++in_flight;
  }
  void request_finished() {
    std::lock_guard lock(mu);
    --in_flight;
    idle_cv.notify_all();
  }
};

class Server::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  void start() { read_head(); }

  // Closes the connection if no request is being handled; always runs on the strand.
  void close_if_idle() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->close();
    });
  }
  void close_now() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

 private:
  void close() {
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void arm_timeout() {
    timer_.expires_after(server_.options.idle_timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->close();
    });
  }

  void read_head() {
    if (server_.stopping) return close();
    arm_timeout();
    asio::async_read_until(
        socket_, asio::dynamic_buffer(buffer_, server_.options.max_header_bytes), "\r\n\r\n",
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          self->timer_.cancel();
          if (ec == asio::error::not_found) return self->fail(431);
          if (ec) return self->close();
          self->on_head(n);
        });
  }

  void on_head(std::size_t head_size) {
    request_ = ServerRequest{};
    std::string version;
    const std::string_view head(buffer_.data(), head_size - 2);  // keep one CRLF as separator
    if (!parse_head(head, request_, version)) return fail(400);
    buffer_.erase(0, head_size);
    const auto connection = to_lower(request_.headers.get("Connection").value_or(""));
    keep_alive_ = version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive";
    if (request_.headers.has("Transfer-Encoding")) return fail(411);
    std::size_t length = 0;
    if (auto cl = request_.headers.get("Content-Length")) {
      auto [ptr, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), length);
      if (ec != std::errc() || ptr != cl->data() + cl->size()) return fail(400);
    }
    if (length > server_.options.max_body_bytes) return fail(413);
    if (auto peer = socket_.remote_endpoint(ec_); !ec_) {
      request_.peer = peer.address().to_string() + ":" + std::to_string(peer.port());
    }
    busy_ = true;
    server_.request_started();
    if (iequals(request_.headers.get("Expect").value_or(""), "100-continue") &&
        buffer_.size() < length) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::write(socket_, asio::buffer(kContinue), ec_);  // tiny; a failure shows on read
    }
    read_body(length);
  }

  void read_body(std::size_t length) {
    if (buffer_.size() >= length) {
      request_.body = buffer_.substr(0, length);
      buffer_.erase(0, length);
      return dispatch();
    }
    arm_timeout();
    asio::async_read(
        socket_, asio::dynamic_buffer(buffer_), asio::transfer_exactly(length - buffer_.size()),
        [self = shared_from_this(), length](boost::system::error_code ec, std::size_t) {
          self->timer_.cancel();
          if (ec) return self->finish(false);
          self->read_body(length);
        });
  }

  void dispatch() {
    ServerReply reply;
    try {
      reply = server_.handler(request_);
    } catch (...) {
      // The handler's message could carry request data; the client learns only the status.
      reply = ServerReply{};
      reply.response.status = 500;
    }
    if (reply.delay.count() <= 0) return answer(std::move(reply));
    timer_.expires_after(reply.delay);
    timer_.async_wait(
        [self = shared_from_this(), r = std::move(reply)](boost::system::error_code) mutable {
          self->answer(std::move(r));  // also after cancellation: stop() still answers
        });
  }

  void answer(ServerReply reply) {
    if (reply.drop_connection) return finish(false);
    if (server_.stopping) keep_alive_ = false;
    write(reply.response, [self = shared_from_this()](bool ok) { self->finish(ok); });
  }

  template <typename Done>
  void write(const Response& r, Done done) {
    out_ = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
    for (const auto& [name, value] : r.headers.items()) {
      if (iequals(name, "Content-Length") || iequals(name, "Connection") ||
          iequals(name, "Transfer-Encoding")) {
        continue;  // framing is ours to decide
      }
      out_ += name + ": " + value + "\r\n";
    }
    out_ += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    out_ += keep_alive_ ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    out_ += r.body;
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), done](boost::system::error_code ec, std::size_t) {
                        done(!ec);
                      });
  }

  // A request is over: either keep the connection for the next one or close it.
  void finish(bool ok) {
    busy_ = false;
    server_.request_finished();
    if (ok && keep_alive_ && !server_.stopping) return read_head();
    close();
  }

  // A malformed request: answer the status and close; no handler ran.
  void fail(int status) {
    keep_alive_ = false;
    Response r;
    r.status = status;
    write(r, [self = shared_from_this()](bool) { self->close(); });
  }

  Impl& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::string buffer_;
  std::string out_;
  ServerRequest request_;
  bool keep_alive_ = true;
  bool busy_ = false;
  boost::system::error_code ec_;
};

void Server::Impl::accept() {
  acceptor.async_accept(
      asio::make_strand(io), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || stopping) return;
        if (!ec) {
          auto conn = std::make_shared<Connection>(*this, std::move(socket));
          {
            std::lock_guard lock(mu);
            std::erase_if(connections, [](const auto& kv) { return kv.second.expired(); });
            connections.emplace(next_id++, conn);
          }
          conn->start();
        }
        accept();  // transient errors (EMFILE, ...) must not end the accept loop
      });
}

Server::Server(Handler handler, ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->options = options;
}

Server::~Server() {
  stop();
}

int Server::start(const std::string& host, int port) {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    if (s.running) throw std::runtime_error("server already started");
    s.running = true;
  }
  try {
    const tcp::endpoint ep(asio::ip::make_address(host), static_cast<unsigned short>(port));
    s.acceptor.open(ep.protocol());
    s.acceptor.set_option(tcp::acceptor::reuse_address(true));
    s.acceptor.bind(ep);
    s.acceptor.listen();
  } catch (const std::exception& e) {
    std::lock_guard lock(s.mu);
    s.running = false;
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                             e.what());
  }
  s.work.emplace(s.io.get_executor());
  s.accept();
  for (int i = 0; i < std::max(1, s.options.threads); ++i) {
    s.threads.emplace_back([&s] { s.io.run(); });
  }
  return s.acceptor.local_endpoint().port();
}

void Server::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    if (!s.running || s.stopping) return;
  }
  s.stopping = true;
  // Closed on its strand (never beside a running accept handler), and waited for: once stop()
  // returns, connecting is refused.
  std::promise<void> acceptor_closed;
  asio::post(s.acceptor.get_executor(), [&s, &acceptor_closed] {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    acceptor_closed.set_value();
  });
  acceptor_closed.get_future().wait();
  std::vector<std::shared_ptr<Impl::Connection>> live;
  {
    std::lock_guard lock(s.mu);
    for (auto& [id, weak] : s.connections) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) c->close_if_idle();
  {
    std::unique_lock lock(s.mu);
    s.idle_cv.wait_for(lock, s.options.stop_grace, [&s] { return s.in_flight == 0; });
  }
  for (auto& c : live) c->close_now();
  live.clear();
  // io.stop() would discard the posted closes, leaving sockets open until the io_context is
  // destroyed; so wait (briefly) until every connection is gone, then stop the workers.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    {
      std::lock_guard lock(s.mu);
      std::erase_if(s.connections, [](const auto& kv) { return kv.second.expired(); });
      if (s.connections.empty()) break;
    }
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  s.work.reset();
  s.io.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

}  // namespace rotor::http
