#pragma once
// Where the API server is and how to authenticate to it: from a kubeconfig file (a developer's
// machine, tests) or from the pod's service account (in-cluster).
//
// Key material is kept in memory as PEM and handed to the HTTP client as such; nothing is
// written to disk. Bearer tokens and private keys are Secrets: never logged.
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "http/http.hpp"
#include "util/clock.hpp"
#include "util/secret.hpp"

namespace rotor::kube {

// A kubeconfig or service-account setup that cannot be used; the message names the file and
// field, never a credential.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A bearer token, fixed or read from a file. Projected service-account tokens are rotated by
// the kubelet (about hourly), so a file-backed token is re-read when the file changes; the
// file is looked at most once per `recheck`, not on every request.
class TokenSource {
 public:
  static std::shared_ptr<TokenSource> fixed(Secret token);
  // Reads `path` now; throws ConfigError if it cannot be read or is empty.
  static std::shared_ptr<TokenSource> file(std::string path,
                                           std::chrono::seconds recheck = std::chrono::seconds(60),
                                           std::shared_ptr<const Clock> clock = nullptr);

  // The current token; thread-safe. A file that has become unreadable or empty keeps the last
  // good token in use (the kubelet may be mid-rotation).
  Secret token();
  // Looks at the file now, whatever the recheck interval (after a 401 Unauthorized, say).
  // True when the token changed.
  bool refresh();
  bool from_file() const { return !path_.empty(); }

  TokenSource(Secret token, std::string path, std::chrono::seconds recheck,
              std::shared_ptr<const Clock> clock);

 private:
  bool reload_locked();  // true when the token changed

  std::mutex mu_;
  Secret token_;
  const std::string path_;  // empty for a fixed token
  const std::chrono::seconds recheck_;
  const std::shared_ptr<const Clock> clock_;
  TimePoint last_check_{};
  std::optional<std::filesystem::file_time_type> mtime_;
  std::uintmax_t size_ = 0;
};

struct Config {
  std::string server;  // "https://host:port[/prefix]", no trailing slash
  std::string ca_pem;  // the CA bundle to trust; empty: the system store
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;  // client certificate (chain) authentication
  Secret client_key_pem;
  std::shared_ptr<TokenSource> token;         // bearer token authentication; null if none
  std::string default_namespace = "default";  // the context's, or the pod's own namespace
  std::string context;                        // the context used ("in-cluster" in a pod)
};

// Loads `path`, using `context` or, when empty, the file's current-context. Throws
// ConfigError. Relative file references resolve against the kubeconfig's directory.
Config load_kubeconfig(const std::string& path, const std::string& context = "");
// The same from text; `base_dir` resolves relative file references.
Config parse_kubeconfig(const std::string& yaml, const std::string& base_dir,
                        const std::string& context = "", const std::string& origin = "kubeconfig");

inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct InClusterOptions {
  std::string dir = kServiceAccountDir;  // holds token, ca.crt and namespace
  std::optional<std::string> host;       // default: $KUBERNETES_SERVICE_HOST
  std::optional<std::string> port;       // default: $KUBERNETES_SERVICE_PORT
  std::chrono::seconds token_recheck{60};
  std::shared_ptr<const Clock> clock;  // for the token's recheck interval; null: system clock
};

// The pod's service account; throws ConfigError when not in a cluster.
Config load_in_cluster_config(const InClusterOptions& options = {});
// $KUBERNETES_SERVICE_HOST is set and the service-account token exists.
bool running_in_cluster(const std::string& dir = kServiceAccountDir);

// The usual search order: `explicit_path`, then $KUBECONFIG (its first existing entry), then
// the in-cluster service account, then ~/.kube/config.
Config load_default_config(const std::string& explicit_path = "", const std::string& context = "");

// The HTTP client options that reach and authenticate to `config`'s server (all but the
// bearer token, which goes into each request).
http::ClientOptions client_options(const Config& config, std::chrono::milliseconds timeout);

}  // namespace rotor::kube
