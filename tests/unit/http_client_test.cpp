// The production HTTP client (http::make_client) over loopback sockets: keep-alive reuse,
// request framing, streaming and stopping, timeouts, TLS verification and client
// certificates, and the rule that a request which may have reached the server is never sent
// twice.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "http/http.hpp"
#include "http/server.hpp"
#include "testing/loopback_server.hpp"
#include "testing/test_pki.hpp"

namespace rotor::http {
namespace {

using namespace std::chrono_literals;
using testing::Exchange;
using testing::LoopbackOptions;
using testing::LoopbackServer;
using testing::TestPki;
using SteadyClock = std::chrono::steady_clock;

const TestPki& pki() {
  static const TestPki p = TestPki::make();
  return p;
}

LoopbackOptions tls_server(std::string client_ca = "") {
  return LoopbackOptions{true, pki().server, std::move(client_ca)};
}

ClientOptions trusting_test_ca() {
  ClientOptions o;
  o.ca_pem = pki().ca.cert_pem;
  return o;
}

Request get(const std::string& url) {
  Request r;
  r.method = "GET";
  r.url = url;
  return r;
}

void answer_ok(const ServerRequest& req, Exchange& ex) {
  ex.respond(200, "ok " + req.path);
}

TEST(HttpClient, ReusesOneTlsConnectionForSequentialRequests) {
  LoopbackServer server(answer_ok, tls_server());
  auto client = make_client(trusting_test_ca());
  for (int i = 0; i < 5; ++i) {
    const Result r = client->send(get(server.url("/n" + std::to_string(i))));
    ASSERT_TRUE(r.ok()) << r.error_detail;
    EXPECT_EQ(r.response->status, 200);
    EXPECT_EQ(r.response->body, "ok /n" + std::to_string(i));
  }
  EXPECT_EQ(server.requests(), 5);
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClient, ReusesOneConnectionToTheSimulatorsServer) {
  std::set<std::string> peers;
  std::mutex mu;
  Server server([&](const ServerRequest& req) {
    std::lock_guard lock(mu);
    peers.insert(req.peer);
    ServerReply reply;
    reply.response.status = 204;
    return reply;
  });
  const int port = server.start("127.0.0.1", 0);
  auto client = make_client({});
  for (int i = 0; i < 4; ++i) {
    const Result r = client->send(get("http://127.0.0.1:" + std::to_string(port) + "/"));
    ASSERT_TRUE(r.ok()) << r.error_detail;
    EXPECT_EQ(r.response->status, 204);
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(peers.size(), 1u);
}

TEST(HttpClient, SendsTheBodyWithItsLengthAndReadsAChunkedAnswer) {
  ServerRequest seen;
  LoopbackServer server([&](const ServerRequest& req, Exchange& ex) {
    seen = req;
    ex.write(
        "HTTP/1.1 201 Created\r\nX-Request-Id: abc\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  });
  auto client = make_client({});
  Request req;
  req.method = "POST";
  req.url = server.url("/v3/p/users/a%20b/password?x=%20y");
  req.headers.set("Content-Type", "application/json");
  req.headers.set("Content-Length", "999");  // ours to frame: replaced by the true length
  req.body = R"({"password":"x"})";
  const Result r = client->send(req);
  ASSERT_TRUE(r.ok()) << r.error_detail;
  EXPECT_EQ(r.response->status, 201);
  EXPECT_EQ(r.response->body, "hello world");
  EXPECT_EQ(r.response->headers.get("x-request-id").value_or(""), "abc");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/v3/p/users/a%20b/password?x=%20y");  // sent as given, undecoded
  EXPECT_EQ(seen.headers.get("Content-Length").value_or(""), "16");
  EXPECT_EQ(seen.headers.get("Host").value_or(""), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen.body, req.body);
}

TEST(HttpClient, RefusesUrlsAndHeadersItCannotSendSafely) {
  auto client = make_client({});
  EXPECT_EQ(client->send(get("ftp://example.com/")).error, TransportError::kInvalidRequest);
  Request req = get("http://127.0.0.1:1/");
  req.headers.set("X-Evil", "a\r\nX-Injected: 1");
  EXPECT_EQ(client->send(req).error, TransportError::kInvalidRequest);
}

// A watch-like answer: the head and one event, then nothing until the server stops.
void trickle(const ServerRequest&, Exchange& ex) {
  ex.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  ex.write("6\r\nevent1\r\n");
  while (!ex.stopping()) std::this_thread::sleep_for(10ms);
  ex.keep_alive = false;
}

TEST(HttpClient, StreamHandsOverPiecesAsTheyArriveAndStopsOnRequest) {
  LoopbackServer server(trickle, tls_server());
  auto client = make_client(trusting_test_ca());
  std::stop_source stop;
  std::promise<std::string> first;
  std::atomic<bool> got_first{false};
  auto watch = std::async(std::launch::async, [&] {
    return client->stream(
        get(server.url("/watch")),
        [&](std::string_view piece) {
          if (!got_first.exchange(true)) first.set_value(std::string(piece));
          return true;
        },
        stop.get_token());
  });
  auto first_piece = first.get_future();
  ASSERT_EQ(first_piece.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(first_piece.get(), "event1");
  const auto asked = SteadyClock::now();
  stop.request_stop();
  ASSERT_EQ(watch.wait_for(5s), std::future_status::ready) << "a waiting read was not interrupted";
  EXPECT_LT(SteadyClock::now() - asked, 2s);
  const Result r = watch.get();
  EXPECT_TRUE(r.ok()) << "a stop on purpose is not a failure: " << r.error_detail;
}

TEST(HttpClient, StreamEndsWhenTheSinkSaysSo) {
  LoopbackServer server(trickle);
  auto client = make_client({});
  int pieces = 0;
  const Result r = client->stream(get(server.url("/watch")), [&](std::string_view) {
    ++pieces;
    return false;
  });
  EXPECT_TRUE(r.ok()) << r.error_detail;
  EXPECT_EQ(r.response->status, 200);
  EXPECT_EQ(pieces, 1);
}

TEST(HttpClient, StreamCollectsAnErrorAnswerInsteadOfStreamingIt) {
  LoopbackServer server(
      [](const ServerRequest&, Exchange& ex) { ex.respond(410, R"({"reason":"Gone"})"); });
  auto client = make_client({});
  int pieces = 0;
  const Result r = client->stream(get(server.url("/watch")), [&](std::string_view) {
    ++pieces;
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.error_detail;
  EXPECT_EQ(r.response->status, 410);
  EXPECT_EQ(r.response->body, R"({"reason":"Gone"})");
  EXPECT_EQ(pieces, 0);
}

TEST(HttpClient, ASilentServerIsATimeoutWithoutTheRequestInTheMessage) {
  LoopbackServer server([](const ServerRequest&, Exchange& ex) {
    while (!ex.stopping()) std::this_thread::sleep_for(10ms);
  });
  ClientOptions options;
  options.timeout = 200ms;
  auto client = make_client(options);
  Request req = get(server.url("/slow"));
  req.headers.set("Authorization", "Bearer tok-3f9a");
  req.body = "password=p4ss-77";
  const auto start = SteadyClock::now();
  const Result r = client->send(req);
  EXPECT_LT(SteadyClock::now() - start, 2s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, TransportError::kTimeout) << r.error_detail;
  EXPECT_EQ(r.error_detail.find("tok-3f9a"), std::string::npos);
  EXPECT_EQ(r.error_detail.find("p4ss-77"), std::string::npos);
}

TEST(HttpClient, ARefusedConnectionIsAConnectFailure) {
  int port = 0;
  {
    LoopbackServer gone(answer_ok);
    port = gone.port();
  }
  auto client = make_client({});
  const Result r = client->send(get("http://127.0.0.1:" + std::to_string(port) + "/"));
  EXPECT_EQ(r.error, TransportError::kConnectFailed) << r.error_detail;
}

TEST(HttpClient, AnUnknownCaIsATlsFailureUnlessVerificationIsOff) {
  LoopbackServer server(answer_ok, tls_server());
  ClientOptions other;
  other.ca_pem = TestPki::make("another CA").ca.cert_pem;
  const Result refused = make_client(other)->send(get(server.url("/")));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error, TransportError::kTls) << refused.error_detail;

  ClientOptions system_store;  // the test CA is in no system store
  EXPECT_EQ(make_client(system_store)->send(get(server.url("/"))).error, TransportError::kTls);

  ClientOptions extra;  // the system store plus ours
  extra.extra_ca_pem = pki().ca.cert_pem;
  EXPECT_TRUE(make_client(extra)->send(get(server.url("/"))).ok());

  ClientOptions insecure;
  insecure.verify_tls = false;
  EXPECT_TRUE(make_client(insecure)->send(get(server.url("/"))).ok());
}

TEST(HttpClient, TheServerNameMustMatchTheCertificate) {
  LoopbackServer server(answer_ok, tls_server());
  auto client = make_client(trusting_test_ca());
  const std::string port = std::to_string(server.port());
  EXPECT_TRUE(client->send(get("https://localhost:" + port + "/")).ok());  // DNS:localhost

  LoopbackOptions unnamed = tls_server();
  unnamed.address = "127.0.0.2";  // the certificate names 127.0.0.1 only
  LoopbackServer elsewhere(answer_ok, unnamed);
  const Result r = client->send(get(elsewhere.url("/")));
  EXPECT_EQ(r.error, TransportError::kTls) << r.error_detail;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(HttpClient, PresentsAClientCertificateFromMemoryOrFiles) {
  LoopbackServer server(answer_ok, tls_server(pki().ca.cert_pem));
  const Result without = make_client(trusting_test_ca())->send(get(server.url("/")));
  EXPECT_FALSE(without.ok());
  EXPECT_NE(without.error, TransportError::kTimeout) << without.error_detail;

  ClientOptions in_memory = trusting_test_ca();
  in_memory.client_cert_pem = pki().client.cert_pem;
  in_memory.client_key_pem = Secret(pki().client.key_pem);
  const Result r = make_client(in_memory)->send(get(server.url("/")));
  ASSERT_TRUE(r.ok()) << r.error_detail;
  EXPECT_EQ(server.last_client_cn(), "rotor-test-client");

  ClientOptions files;
  files.ca_file = write_temp("ca.pem", pki().ca.cert_pem);
  files.client_cert_file = write_temp("client.pem", pki().client.cert_pem);
  files.client_key_file = write_temp("client.key", pki().client.key_pem);
  const Result f = make_client(files)->send(get(server.url("/")));
  EXPECT_TRUE(f.ok()) << f.error_detail;
  std::remove(files.client_key_file.c_str());
}

TEST(HttpClient, UnusableKeyMaterialIsATlsFailureThatDoesNotQuoteIt) {
  LoopbackServer server(answer_ok, tls_server());
  ClientOptions o = trusting_test_ca();
  o.client_cert_pem = pki().client.cert_pem;
  o.client_key_pem = Secret("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n");
  const Result r = make_client(o)->send(get(server.url("/")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, TransportError::kTls);
  EXPECT_EQ(r.error_detail.find("c2VjcmV0"), std::string::npos) << r.error_detail;
}

TEST(HttpClient, NeverSendsARequestTwiceWhenTheAnswerIsLost) {
  LoopbackServer server([](const ServerRequest& req, Exchange& ex) {
    if (req.path == "/first") {
      ex.respond(200, "ok");
    } else {
      ex.keep_alive = false;  // read the request, then hang up without an answer
    }
  });
  auto client = make_client({});
  ASSERT_TRUE(client->send(get(server.url("/first"))).ok());
  Request change;
  change.method = "POST";
  change.url = server.url("/password");
  change.body = "{}";
  const Result r = client->send(change);
  EXPECT_EQ(r.error, TransportError::kConnectionLost) << r.error_detail;
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClient, AConnectionTheServerClosedWhileIdleIsNotReused) {
  LoopbackServer server([](const ServerRequest&, Exchange& ex) {
    ex.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");  // promises keep-alive...
    ex.keep_alive = false;                                       // ...then closes
  });
  auto client = make_client({});
  ASSERT_TRUE(client->send(get(server.url("/a"))).ok());
  std::this_thread::sleep_for(100ms);  // the close has arrived
  Request change;
  change.method = "POST";
  change.url = server.url("/b");
  const Result r = client->send(change);
  EXPECT_TRUE(r.ok()) << r.error_detail;
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpClient, ServesConcurrentCallersFromOnePool) {
  LoopbackServer server(answer_ok, tls_server());
  auto client = make_client(trusting_test_ca());
  std::atomic<int> good{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const Result r = client->send(get(server.url("/x")));
        if (r.ok() && r.response->body == "ok /x") ++good;
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(good, 40);
  EXPECT_LE(server.connections(), 4);
}

}  // namespace
}  // namespace rotor::http
