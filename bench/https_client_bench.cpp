// HTTP client figures: N sequential HTTPS GETs to a local TLS server through
// http::make_client (a kubeconfig-like client: a cluster CA as PEM, optionally a client
// certificate), printing requests per second and the client's CPU time per request. The
// server runs in a child process so that the CPU figure is the client's alone. Prints
// numbers, asserts nothing; build it optimised. Usage: https_client_bench [requests]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "http/http.hpp"
#include "testing/loopback_server.hpp"
#include "testing/test_pki.hpp"

using rotor::testing::TestPki;
using SteadyClock = std::chrono::steady_clock;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

// Forks the server; returns its port. The child serves until the parent closes `hold`;
// `inherited` are other servers' hold descriptors, which the child must not keep open.
int start_server_process(const TestPki& pki, bool client_certs, int& hold, pid_t& child,
                         int inherited = -1, int inherited2 = -1) {
  int port_pipe[2];
  int hold_pipe[2];
  if (pipe(port_pipe) != 0 || pipe(hold_pipe) != 0) std::exit(2);
  child = fork();
  if (child == 0) {
    close(port_pipe[0]);
    close(hold_pipe[1]);
    if (inherited >= 0) close(inherited);
    if (inherited2 >= 0) close(inherited2);
    rotor::testing::LoopbackOptions options{true, pki.server, client_certs ? pki.ca.cert_pem : ""};
    rotor::testing::LoopbackServer server(
        [](const rotor::http::ServerRequest&, rotor::testing::Exchange& ex) {
          ex.respond(200, R"({"kind":"Secret","metadata":{"name":"bench","resourceVersion":"1"}})",
                     "Content-Type: application/json\r\n");
        },
        options);
    const int port = server.port();
    if (write(port_pipe[1], &port, sizeof port) != sizeof port) _exit(2);
    char c;
    while (read(hold_pipe[0], &c, 1) > 0) {
    }
    std::fprintf(stderr, "  (server saw %d connections for %d requests)\n", server.connections(),
                 server.requests());
    server.stop();
    _exit(0);
  }
  close(port_pipe[1]);
  close(hold_pipe[0]);
  int port = 0;
  if (read(port_pipe[0], &port, sizeof port) != sizeof port) std::exit(2);
  close(port_pipe[0]);
  hold = hold_pipe[1];
  return port;
}

struct ServerProcess {
  int port = 0;
  int hold = -1;
  pid_t pid = 0;
};

// `reconnect` asks for a new connection each time (Connection: close), which isolates the
// cost of TCP and TLS handshakes from keep-alive.
void run(const char* label, const TestPki& pki, bool client_certs, bool reconnect, int requests,
         const ServerProcess& server) {
  const int port = server.port;
  rotor::http::ClientOptions options;
  options.ca_pem = pki.ca.cert_pem;
  if (client_certs) {
    options.client_cert_pem = pki.client.cert_pem;
    options.client_key_pem = rotor::Secret(pki.client.key_pem);
  }
  auto client = rotor::http::make_client(options);
  rotor::http::Request req;
  req.method = "GET";
  req.url = "https://127.0.0.1:" + std::to_string(port) + "/api/v1/namespaces/a/secrets/b";
  req.headers.set("Accept", "application/json");
  if (reconnect) req.headers.set("Connection", "close");
  int failures = 0;
  if (!client->send(req).ok()) ++failures;  // warm-up: the first connection
  const double cpu0 = cpu_seconds();
  const auto t0 = SteadyClock::now();
  for (int i = 0; i < requests; ++i) {
    const auto r = client->send(req);
    if (!r.ok() || r.response->status != 200) ++failures;
  }
  const double wall = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  std::printf("%-28s %6d requests  %9.0f req/s  %8.1f us CPU/request  %d failures\n", label,
              requests, requests / wall, cpu / requests * 1e6, failures);
  std::fflush(stdout);
  client.reset();
  close(server.hold);
  waitpid(server.pid, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  const int requests = argc > 1 ? std::atoi(argv[1]) : 2000;
  const TestPki pki = TestPki::make();
  // Both servers are forked before the first client starts any thread.
  ServerProcess plain;
  ServerProcess mutual;
  ServerProcess reconnecting;
  plain.port = start_server_process(pki, false, plain.hold, plain.pid);
  mutual.port = start_server_process(pki, true, mutual.hold, mutual.pid, plain.hold);
  reconnecting.port = start_server_process(pki, false, reconnecting.hold, reconnecting.pid,
                                           plain.hold, mutual.hold);
  run("https, CA PEM", pki, false, false, requests, plain);
  run("https, CA PEM + client cert", pki, true, false, requests, mutual);
  run("https, reconnecting", pki, false, true, requests, reconnecting);
  return 0;
}
