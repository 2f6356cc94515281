#pragma once
// Our HTTP vocabulary: requests, responses and transport failures, independent of the
// library underneath (Boost.Beast today) so that the library can be swapped and unit tests
// can answer requests from memory.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/secret.hpp"

namespace rotor::http {

// Header names compare case-insensitively; order is kept as added.
class Headers {
 public:
  void set(std::string name, std::string value);  // replaces any header of that name
  void add(std::string name, std::string value);  // appends, keeping others
  std::optional<std::string> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  void remove(std::string_view name);
  // Overwrites every value in memory (tokens, signatures) before the headers are dropped.
  void cleanse_values() noexcept;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string url;     // absolute: scheme://host[:port]/path[?query]
  Headers headers;
  std::string body;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

// Why no response arrived. Every kind leaves the server's state unknown except
// kInvalidRequest (nothing was sent).
enum class TransportError {
  kTimeout,
  kConnectFailed,
  kTls,
  kConnectionLost,
  kInvalidRequest,
  kOther
};
const char* to_string(TransportError e);

struct Result {
  std::optional<Response> response;  // set when the server answered
  TransportError error = TransportError::kOther;
  std::string error_detail;  // library message; never contains request headers or body

  bool ok() const { return response.has_value(); }
};

// Receives a response body piece by piece as it arrives; returns false to stop reading.
using BodySink = std::function<bool(std::string_view chunk)>;

class Client {
 public:
  virtual ~Client() = default;
  virtual Result send(const Request& request) = 0;
  // For long-lived responses (Kubernetes watches): a 2xx body goes to `sink` piece by piece
  // as it arrives instead of into Response::body; any other status's body is collected as
  // send() does. Returns when the body has ended, `sink` returned false, or `stop` was
  // requested (the connection is then closed, which also interrupts a read that is waiting).
  // The result has a response when the body was read to its end or reading was stopped on
  // purpose; a transport failure, including one in the middle of the body, is an error.
  // The default implementation sends and hands over the whole body at once, enough for
  // clients that answer from memory.
  virtual Result stream(const Request& request, const BodySink& sink, std::stop_token stop = {});
};

inline Result Client::stream(const Request& request, const BodySink& sink, std::stop_token) {
  Result result = send(request);
  if (result.ok() && result.response->status / 100 == 2) {
    if (!result.response->body.empty()) sink(result.response->body);
    result.response->body.clear();
  }
  return result;
}

struct ClientOptions {
  std::chrono::milliseconds timeout{30000};
  bool verify_tls = true;
  std::string ca_file;  // PEM bundle; replaces the system store as ca_pem does
  // Client certificate authentication (kubeconfig client-certificate / client-key).
  std::string client_cert_file;
  std::string client_key_file;
  // The same material as PEM text in memory (kubeconfig *-data fields), so that no key has
  // to be written to disk. A ca_pem, unlike ca_file, replaces the system store: a client
  // given its cluster's CA must trust that CA only.
  std::string ca_pem;
  // PEM CA certificates trusted in addition to the system store (private cloud endpoints).
  std::string extra_ca_pem;
  std::string client_cert_pem;  // with client_key_pem; the certificate may be a chain
  Secret client_key_pem;
};

// The production client (Boost.Beast): safe for concurrent callers; keeps connections alive
// per scheme, host and port and reuses them; parses the TLS material once, at its first
// https request. A request that may have reached the server is never sent again.
std::unique_ptr<Client> make_client(const ClientOptions& options);

// Splits an absolute URL; false when it is not http(s)://host[:port][/path][?query].
struct Url {
  std::string scheme, host, path, query;
  int port = 0;
  std::string host_header() const;  // host, with ":port" when not the scheme's default
};
bool parse_url(const std::string& text, Url& out);

}  // namespace rotor::http
