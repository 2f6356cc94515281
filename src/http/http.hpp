#pragma once
// Our HTTP vocabulary: requests, responses and transport failures, independent of the
// library underneath (cpprestsdk today) so that the library can be swapped and unit tests
// can answer requests from memory.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rotor::http {

// Header names compare case-insensitively; order is kept as added.
class Headers {
 public:
  void set(std::string name, std::string value);  // replaces any header of that name
  void add(std::string name, std::string value);  // appends, keeping others
  std::optional<std::string> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  void remove(std::string_view name);
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

class Client {
 public:
  virtual ~Client() = default;
  virtual Result send(const Request& request) = 0;
};

struct ClientOptions {
  std::chrono::milliseconds timeout{30000};
  bool verify_tls = true;
  std::string ca_file;  // PEM bundle; empty means the system store
  // Client certificate authentication (kubeconfig client-certificate / client-key).
  std::string client_cert_file;
  std::string client_key_file;
};

// The production client (cpprestsdk).
std::unique_ptr<Client> make_client(const ClientOptions& options);

// Splits an absolute URL; false when it is not http(s)://host[:port][/path][?query].
struct Url {
  std::string scheme, host, path, query;
  int port = 0;
  std::string host_header() const;  // host, with ":port" when not the scheme's default
};
bool parse_url(const std::string& text, Url& out);

}  // namespace rotor::http
