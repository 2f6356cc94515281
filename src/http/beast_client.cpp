// The production HTTP client on Boost.Beast: keep-alive connections pooled per endpoint,
// one TLS context per client, every step under the client's timeout. Nothing outside
// src/http includes Beast.
#include <openssl/crypto.h>

#include <limits>
#include <mutex>
#include <stop_token>
#include <vector>

#include "http/connection.hpp"
#include "http/connection_pool.hpp"
#include "http/http.hpp"
#include "http/tls_context.hpp"
#include "util/secret.hpp"

namespace rotor::http {
namespace {

// Collected bodies (everything but a streamed 2xx) beyond this are refused: a Kubernetes
// list of many thousand objects fits, a runaway answer does not take the process down.
constexpr std::size_t kMaxCollectedBody = 256 * 1024 * 1024;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;

Result failed(TransportError kind, std::string detail) {
  Result r;
  r.error = kind;
  r.error_detail = std::move(detail);
  return r;
}

Result failed(Failure f) {
  return failed(f.kind, std::move(f.detail));
}

bool has_line_break(const std::string& s) {
  return s.find_first_of("\r\n") != std::string::npos;
}

// Our Request as Beast's; false when a header could smuggle another line into the head.
bool to_beast(const Request& request, const Url& url, BeastRequest& out) {
  out.version(11);
  out.method_string(request.method);
  out.target(url.path + (url.query.empty() ? "" : "?" + url.query));
  for (const auto& [name, value] : request.headers.items()) {
    // Framing is ours: the signer signs the Host and Content-Length we send.
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
    if (name.empty() || has_line_break(name) || has_line_break(value)) return false;
    out.insert(name, value);
  }
  if (!request.headers.has("Host")) out.set(beast_http::field::host, url.host_header());
  if (!request.headers.has("User-Agent")) out.set(beast_http::field::user_agent, "rotor");
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    if (!request.headers.has("Content-Type")) {
      out.set(beast_http::field::content_type, "application/octet-stream");
    }
    out.body() = request.body;
    out.prepare_payload();
  }
  return true;
}

Response head_of(const ResponseParser& parser) {
  Response out;
  out.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    out.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

// Beast's copy of a request: its body may be a password and its headers a token or a
// signature, so both are overwritten when the request is done with.
struct WipedRequest {
  BeastRequest message;
  ~WipedRequest() {
    cleanse(message.body());
    for (const auto& field : message) {
      // The values live in memory Beast allocated for this message, writable as ours.
      const auto value = field.value();
      OPENSSL_cleanse(const_cast<char*>(value.data()), value.size());
    }
  }
};

class BeastClient final : public Client {
 public:
  explicit BeastClient(ClientOptions options) : options_(std::move(options)) {}

  Result send(const Request& request) override { return exchange(request, nullptr, {}); }

  Result stream(const Request& request, const BodySink& sink, std::stop_token stop) override {
    Result r = exchange(request, &sink, stop);
    // A read cut short by our own interruption is a stop, not a failure.
    if (!r.ok() && stop.stop_requested()) {
      r.response.emplace();
      r.error_detail.clear();
    }
    return r;
  }

 private:
  // One TLS context for the client's life, built at the first https request.
  std::shared_ptr<boost::asio::ssl::context> tls_context(std::string& error) {
    std::lock_guard lock(tls_mu_);
    if (!tls_ && tls_error_.empty()) {
      try {
        tls_ = make_tls_context(options_);
      } catch (const std::exception& e) {
        tls_error_ = e.what();
      }
    }
    error = tls_error_;
    return tls_;
  }

  Result exchange(const Request& request, const BodySink* sink, std::stop_token stop) {
    Url url;
    if (!parse_url(request.url, url)) {
      return failed(TransportError::kInvalidRequest, "not an absolute http(s) URL");
    }
    WipedRequest wiped;
    BeastRequest& out = wiped.message;
    if (!to_beast(request, url, out)) {
      return failed(TransportError::kInvalidRequest, "a header name or value has a line break");
    }
    std::shared_ptr<boost::asio::ssl::context> tls;
    if (url.scheme == "https") {
      std::string error;
      tls = tls_context(error);
      if (!tls) return failed(TransportError::kTls, error);
    }
    if (stop.stop_requested()) return failed(TransportError::kOther, "stopped");
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    const std::string key = url.scheme + "://" + url.host + ":" + std::to_string(url.port);
    // A pooled connection the server closed meanwhile fails on the write; if not one byte
    // left, the request is tried once more on a new connection. Once a byte may have reached
    // the server it is never sent again: a password call must not be applied twice.
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> conn = attempt == 0 ? pool_.take(key) : nullptr;
      const bool reused = conn != nullptr;
      if (!conn) conn = std::make_unique<Connection>(key, tls);
      bool retry = false;
      bool reusable = false;
      Result result;
      {
        // Interrupting closes the socket: the only way to end a read that waits for the
        // server. The callback is gone before the connection can go back to the pool.
        Connection* raw = conn.get();
        std::stop_callback on_stop(stop, [raw] { raw->interrupt(); });
        std::optional<Failure> f;
        std::size_t written = 0;
        if (!reused) f = conn->open(url, options_.verify_tls, deadline);
        if (!f) f = conn->write(out, deadline, written);
        if (f) {
          retry = reused && written == 0 && attempt == 0;
          result = failed(std::move(*f));
        } else {
          result = read_response(*conn, request, sink, stop, deadline, reusable);
        }
      }
      if (retry) continue;
      // A stop requested meanwhile may have queued a close on this connection.
      if (reusable && !stop.stop_requested()) pool_.give_back(std::move(conn));
      return result;
    }
  }

  // Reads the answer; `reusable` when it was read to its end on a connection kept alive.
  Result read_response(Connection& conn, const Request& request, const BodySink* sink,
                       const std::stop_token& stop, SteadyTime deadline, bool& reusable) {
    std::optional<ResponseParser> parser;
    for (;;) {  // interim 1xx answers precede the real one
      parser.emplace();
      parser->header_limit(kMaxHeaderBytes);
      parser->body_limit(std::numeric_limits<std::uint64_t>::max());
      if (request.method == "HEAD") parser->skip(true);
      if (auto f = conn.read_header(*parser, deadline)) return failed(std::move(*f));
      const int status = static_cast<int>(parser->get().result_int());
      if (status < 100 || status >= 200 || status == 101) break;
    }
    Result result;
    result.response = head_of(*parser);
    const bool streaming = sink != nullptr && result.response->status / 100 == 2;
    std::vector<char> chunk(kReadChunk);
    while (!parser->is_done()) {
      // A stream waits as long as the server stays quiet for less than the timeout; a
      // collected answer must be complete by the deadline.
      const auto by = streaming ? std::chrono::steady_clock::now() + options_.timeout : deadline;
      std::size_t got = 0;
      if (auto f = conn.read_body_some(*parser, chunk.data(), chunk.size(), by, got)) {
        return failed(std::move(*f));
      }
      if (got == 0) continue;
      if (streaming) {
        if (!(*sink)(std::string_view(chunk.data(), got)) || stop.stop_requested()) {
          return result;  // stopped on purpose; the connection is not reused
        }
      } else {
        if (result.response->body.size() + got > kMaxCollectedBody) {
          return failed(TransportError::kOther, "read: response body too large");
        }
        result.response->body.append(chunk.data(), got);
      }
    }
    const bool closes = iequals(request.headers.get("Connection").value_or(""), "close");
    reusable = parser->keep_alive() && !closes;
    return result;
  }

  ClientOptions options_;
  std::mutex tls_mu_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // guarded by tls_mu_
  std::string tls_error_;                           // guarded by tls_mu_
  ConnectionPool pool_;
};

}  // namespace

std::unique_ptr<Client> make_client(const ClientOptions& options) {
  return std::make_unique<BeastClient>(options);
}

}  // namespace rotor::http
