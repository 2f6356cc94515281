// The Asio HTTP server over real loopback sockets: raw targets, keep-alive, dropped
// connections, delays, protocol errors and a clean stop.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <thread>

#include "http/server.hpp"

namespace rotor::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  }
  void send(const std::string& raw) { asio::write(socket_, asio::buffer(raw)); }
  // One response: head and Content-Length body; empty when the server closed instead.
  std::string receive() {
    boost::system::error_code ec;
    asio::read_until(socket_, asio::dynamic_buffer(buf_), "\r\n\r\n", ec);
    const auto end = buf_.find("\r\n\r\n");
    if (ec || end == std::string::npos) return "";
    std::size_t length = 0;
    const auto cl = buf_.find("Content-Length: ");
    if (cl != std::string::npos && cl < end) length = std::stoul(buf_.substr(cl + 16));
    if (buf_.size() < end + 4 + length) {
      asio::read(socket_, asio::dynamic_buffer(buf_),
                 asio::transfer_exactly(end + 4 + length - buf_.size()), ec);
    }
    std::string out = buf_.substr(0, end + 4 + length);
    buf_.erase(0, out.size());
    return out;
  }
  bool closed_by_peer() {
    boost::system::error_code ec;
    char c;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::string buf_;
};

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

TEST(HttpServer, HandsTheHandlerTheRawTargetHeadersBodyAndPeer) {
  ServerRequest seen;
  Server server([&](const ServerRequest& r) {
    seen = r;
    ServerReply reply;
    reply.response.status = 201;
    reply.response.headers.set("X-Test", "yes");
    reply.response.body = "created";
    return reply;
  });
  const int port = server.start("127.0.0.1", 0);
  ASSERT_GT(port, 0);
  Client c(port);
  c.send(
      "POST /v3/p/users/a%20b/password?x=%20y&z HTTP/1.1\r\nHost: t\r\n"
      "X-Sdk-Date:  20260101T000000Z \r\nContent-Length: 5\r\n\r\nhello");
  const std::string reply = c.receive();
  EXPECT_EQ(reply.rfind("HTTP/1.1 201 Created\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("X-Test: yes\r\n"), std::string::npos);
  EXPECT_NE(reply.find("\r\n\r\ncreated"), std::string::npos);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/v3/p/users/a%20b/password?x=%20y&z");
  EXPECT_EQ(seen.path, "/v3/p/users/a%20b/password");
  EXPECT_EQ(seen.query, "x=%20y&z");
  EXPECT_EQ(seen.headers.get("x-sdk-date").value_or(""), "20260101T000000Z");
  EXPECT_EQ(seen.body, "hello");
  EXPECT_EQ(seen.peer.rfind("127.0.0.1:", 0), 0u);
}

TEST(HttpServer, KeepsConnectionsAliveAndClosesOnRequest) {
  std::atomic<int> calls{0};
  Server server([&](const ServerRequest&) {
    ServerReply r;
    r.response.status = 200;
    r.response.body = std::to_string(++calls);
    return r;
  });
  Client c(server.start("127.0.0.1", 0));
  c.send(get("/a") + get("/b"));  // pipelined
  EXPECT_NE(c.receive().find("\r\n\r\n1"), std::string::npos);
  EXPECT_NE(c.receive().find("\r\n\r\n2"), std::string::npos);
  c.send(get("/c", "Connection: close\r\n"));
  EXPECT_NE(c.receive().find("Connection: close"), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServer, DropsTheConnectionWithoutAnAnswerAfterTheDelay) {
  Server server([](const ServerRequest&) {
    ServerReply r;
    r.drop_connection = true;
    r.delay = 100ms;
    return r;
  });
  Client c(server.start("127.0.0.1", 0));
  const auto start = std::chrono::steady_clock::now();
  c.send(get("/"));
  EXPECT_EQ(c.receive(), "");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST(HttpServer, ProtocolErrorsAndHandlerExceptions) {
  Server server([](const ServerRequest& r) -> ServerReply {
    if (r.path == "/throw") throw std::runtime_error("secret detail");
    ServerReply reply;
    reply.response.status = 200;
    return reply;
  });
  const int port = server.start("127.0.0.1", 0);
  {
    Client c(port);
    c.send(get("/throw"));
    const std::string r = c.receive();
    EXPECT_EQ(r.rfind("HTTP/1.1 500", 0), 0u);
    EXPECT_EQ(r.find("secret detail"), std::string::npos);
  }
  {
    Client c(port);
    c.send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    EXPECT_EQ(c.receive().rfind("HTTP/1.1 411", 0), 0u);
  }
  {
    Client c(port);
    c.send("nonsense\r\n\r\n");
    EXPECT_EQ(c.receive().rfind("HTTP/1.1 400", 0), 0u);
  }
}

TEST(HttpServer, RefusesOversizedHeadsAndBodiesWithoutCallingTheHandler) {
  std::atomic<int> calls{0};
  ServerOptions options;
  options.max_header_bytes = 1024;
  options.max_body_bytes = 10;
  Server server(
      [&](const ServerRequest&) {
        ++calls;
        ServerReply r;
        r.response.status = 200;
        return r;
      },
      options);
  const int port = server.start("127.0.0.1", 0);
  {
    Client c(port);
    c.send(get("/", "X-Big: " + std::string(2000, 'a') + "\r\n"));
    EXPECT_EQ(c.receive().rfind("HTTP/1.1 431", 0), 0u);
  }
  {
    Client c(port);
    c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world");
    EXPECT_EQ(c.receive().rfind("HTTP/1.1 413", 0), 0u);
  }
  EXPECT_EQ(calls, 0);
}

TEST(HttpServer, AnswersExpectContinueBeforeTheBody) {
  Server server([](const ServerRequest& r) {
    ServerReply reply;
    reply.response.status = 200;
    reply.response.body = r.body;
    return reply;
  });
  Client c(server.start("127.0.0.1", 0));
  c.send("PUT / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(c.receive().rfind("HTTP/1.1 100 Continue", 0), 0u);
  c.send("ok");
  EXPECT_NE(c.receive().find("\r\n\r\nok"), std::string::npos);
}

TEST(HttpServer, StopsPromptlyWithIdleConnectionsAndRefusesNewOnes) {
  auto server = std::make_unique<Server>([](const ServerRequest&) {
    ServerReply r;
    r.response.status = 204;
    return r;
  });
  const int port = server->start("127.0.0.1", 0);
  Client idle(port);
  idle.send(get("/"));
  EXPECT_EQ(idle.receive().rfind("HTTP/1.1 204", 0), 0u);
  // stop() must not wait for the idle keep-alive connection to time out (it would hang for
  // the keep-alive period); how fast it is belongs in a benchmark, not here.
  server->stop();
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_THROW(Client{port}, boost::system::system_error);
  server.reset();  // a second stop from the destructor is harmless
}

TEST(HttpServer, StopWaitsForARequestInFlight) {
  Server server([](const ServerRequest&) {
    std::this_thread::sleep_for(200ms);
    ServerReply r;
    r.response.status = 200;
    r.response.body = "done";
    return r;
  });
  Client c(server.start("127.0.0.1", 0));
  c.send(get("/"));
  std::this_thread::sleep_for(50ms);
  std::thread stopper([&] { server.stop(); });
  EXPECT_NE(c.receive().find("Connection: close\r\n\r\ndone"), std::string::npos);
  stopper.join();
}

}  // namespace
}  // namespace rotor::http
