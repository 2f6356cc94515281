// The HTTP/1.1 server of server.hpp: Beast's parser and serializer over Asio, one strand
// per connection, a few worker threads running the io_context, keep-alive, Content-Length
// bodies.

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
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
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using tcp = asio::ip::tcp;
using BeastResponse = beast_http::response<beast_http::string_body>;
using RequestParser = beast_http::request_parser<beast_http::string_body>;

namespace {

// The origin form of a request-target, still undecoded; an absolute form (proxies) keeps
// what follows the authority.
std::string_view origin_of(std::string_view target) {
  if (target.rfind("http://", 0) != 0 && target.rfind("https://", 0) != 0) return target;
  const auto slash = target.find('/', target.find("//") + 2);
  return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
}

// Statuses Beast has no phrase for get one anyway: some clients show it.
void set_status(BeastResponse& res, int status) {
  res.result(static_cast<unsigned>(status));
  if (beast_http::int_to_status(static_cast<unsigned>(status)) == beast_http::status::unknown) {
    res.reason("Unknown");
  }
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
      : server_(server), stream_(std::move(socket)), timer_(stream_.get_executor()) {}

  void start() { read_head(); }

  // Closes the connection if no request is being handled; always runs on the strand.
  void close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->close();
    });
  }
  void close_now() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

 private:
  void close() {
    boost::system::error_code ignored;
    timer_.cancel();
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  void read_head() {
    if (server_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    stream_.expires_after(server_.options.idle_timeout);
    beast_http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
          if (ec == beast_http::error::header_limit) return self->fail(431);
          // A Content-Length beyond the limit is refused with the head.
          if (ec == beast_http::error::body_limit) return self->fail(413);
          if (ec &&
              ec.category() ==
                  beast_http::make_error_code(beast_http::error::bad_method).category() &&
              ec != beast_http::error::end_of_stream && ec != beast_http::error::partial_message) {
            return self->fail(400);  // not HTTP/1.x
          }
          if (ec) return self->close();
          self->on_head();
        });
  }

  void on_head() {
    const auto& head = parser_->get();
    request_ = ServerRequest{};
    request_.method = std::string(head.method_string());
    request_.target = std::string(head.target());
    const std::string_view origin = origin_of(request_.target);
    const auto q = origin.find('?');
    request_.path = std::string(origin.substr(0, q));
    request_.query = q == std::string_view::npos ? "" : std::string(origin.substr(q + 1));
    for (const auto& field : head) {
      request_.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    keep_alive_ = parser_->keep_alive();
    if (request_.headers.has("Transfer-Encoding")) return fail(411);
    if (auto peer = stream_.socket().remote_endpoint(ec_); !ec_) {
      request_.peer = peer.address().to_string() + ":" + std::to_string(peer.port());
    }
    busy_ = true;
    server_.request_started();
    if (beast::iequals(head[beast_http::field::expect], "100-continue") && !parser_->is_done()) {
      BeastResponse go_on{beast_http::status::continue_, 11};
      beast_http::write(stream_, go_on, ec_);  // tiny; a failure shows on read
    }
    stream_.expires_after(server_.options.idle_timeout);
    beast_http::async_read(stream_, buffer_, *parser_,
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                             if (ec) return self->finish(false);
                             self->request_.body = std::move(self->parser_->get().body());
                             self->dispatch();
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
    out_.emplace();
    out_->version(11);
    set_status(*out_, r.status);
    for (const auto& [name, value] : r.headers.items()) {
      if (iequals(name, "Content-Length") || iequals(name, "Connection") ||
          iequals(name, "Transfer-Encoding")) {
        continue;  // framing is ours to decide
      }
      out_->insert(name, value);
    }
    out_->body() = r.body;
    out_->content_length(r.body.size());
    out_->set(beast_http::field::connection, keep_alive_ ? "keep-alive" : "close");
    stream_.expires_after(server_.options.idle_timeout);
    beast_http::async_write(stream_, *out_,
                            [self = shared_from_this(), done](boost::system::error_code ec,
                                                              std::size_t) { done(!ec); });
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
  beast::tcp_stream stream_;
  asio::steady_timer timer_;  // a reply's delay
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::optional<BeastResponse> out_;
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
