// The pod's own service account: the API server's address from the environment the kubelet
// sets, and the token, CA and namespace from the projected volume.
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kube/config.hpp"

namespace rotor::kube {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::optional<std::string> read_trimmed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.pop_back();
  }
  return text;
}

}  // namespace

bool running_in_cluster(const std::string& dir) {
  return env("KUBERNETES_SERVICE_HOST").has_value() && std::filesystem::exists(dir + "/token");
}

Config load_in_cluster_config(const InClusterOptions& options) {
  const auto host = options.host ? options.host : env("KUBERNETES_SERVICE_HOST");
  const auto port = options.port ? options.port : env("KUBERNETES_SERVICE_PORT");
  if (!host || !port || host->empty() || port->empty()) {
    throw ConfigError("not in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set");
  }
  Config config;
  config.context = "in-cluster";
  // An IPv6 service address needs brackets in a URL.
  const bool ipv6 = host->find(':') != std::string::npos && host->front() != '[';
  config.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;

  const std::string ca_path = options.dir + "/ca.crt";
  auto ca = read_trimmed(ca_path);
  if (!ca || ca->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    throw ConfigError("cannot read the service-account CA " + ca_path);
  }
  config.ca_pem = *ca + "\n";
  config.token = TokenSource::file(options.dir + "/token", options.token_recheck, options.clock);
  if (auto ns = read_trimmed(options.dir + "/namespace"); ns && !ns->empty()) {
    config.default_namespace = *ns;
  }
  return config;
}

}  // namespace rotor::kube
