// kubeconfig files (clusters, users, contexts), as kubectl reads them, for the auth methods
// the operator supports: client certificates and bearer tokens. Exec plugins and
// auth-provider entries are refused with a clear error rather than silently ignored.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kube/config.hpp"
#include "util/base64.hpp"

namespace rotor::kube {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read " + what + " " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// A scalar member, or "" when absent or null.
std::string scalar(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  if (!v || v.IsNull()) return "";
  return v.as<std::string>();
}

// The `entry` map of the element of `list` called `name` ("cluster" of clusters[name=...]).
YAML::Node named(const YAML::Node& list, const std::string& name, const char* entry) {
  if (list && list.IsSequence()) {
    for (const YAML::Node& item : list) {
      if (scalar(item, "name") == name) return item[entry];
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

class Reader {
 public:
  Reader(std::string origin, fs::path base_dir)
      : origin_(std::move(origin)), base_dir_(std::move(base_dir)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(origin_ + ": " + what);
  }

  std::string resolve(const std::string& file) const {
    fs::path p(file);
    return p.is_relative() && !base_dir_.empty() ? (base_dir_ / p).string() : file;
  }

  // PEM from `<field>-data` (base64, takes precedence as in kubectl) or from the `<field>` file.
  std::string pem(const YAML::Node& node, const std::string& field, const char* marker) const {
    const std::string data = scalar(node, (field + "-data").c_str());
    std::string text;
    if (!data.empty()) {
      std::string compact;
      for (char c : data) {
        if (std::isspace(static_cast<unsigned char>(c)) == 0) compact += c;
      }
      // Our decoder, not YAML::DecodeBase64: yaml-cpp 0.7's indexes its table with a plain
      // char, so a byte above 0x7f reads far outside it and crashes (found by fuzzing).
      auto bytes = base64_decode(compact);
      cleanse(compact);
      if (!bytes || bytes->empty()) fail(field + "-data is not valid base64");
      text = std::move(*bytes);
    } else if (const std::string file = scalar(node, field.c_str()); !file.empty()) {
      text = read_file(resolve(file), field);
    } else {
      return "";
    }
    if (text.find(marker) == std::string::npos) fail(field + " is not PEM (no " + marker + ")");
    return text;
  }

 private:
  std::string origin_;
  fs::path base_dir_;
};

}  // namespace

Config parse_kubeconfig(const std::string& yaml, const std::string& base_dir,
                        const std::string& context, const std::string& origin) {
  const Reader r(origin, base_dir);
  Config config;
  try {
    const YAML::Node root = YAML::Load(yaml);
    if (!root.IsMap()) r.fail("not a kubeconfig (expected a map)");
    config.context = context.empty() ? scalar(root, "current-context") : context;
    if (config.context.empty()) r.fail("no context given and no current-context set");
    const YAML::Node ctx = named(root["contexts"], config.context, "context");
    if (!ctx || !ctx.IsMap()) r.fail("context \"" + config.context + "\" not found");

    const std::string cluster_name = scalar(ctx, "cluster");
    const YAML::Node cluster = named(root["clusters"], cluster_name, "cluster");
    if (!cluster || !cluster.IsMap()) r.fail("cluster \"" + cluster_name + "\" not found");
    config.server = scalar(cluster, "server");
    while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
    // A host must follow the scheme: "https://" alone would become "https:" above.
    const bool https = config.server.rfind("https://", 0) == 0 && config.server.size() > 8;
    const bool http = config.server.rfind("http://", 0) == 0 && config.server.size() > 7;
    if (!https && !http) r.fail("cluster \"" + cluster_name + "\" has no http(s) server URL");
    config.ca_pem = r.pem(cluster, "certificate-authority", "-----BEGIN CERTIFICATE-----");
    if (const YAML::Node skip = cluster["insecure-skip-tls-verify"]; skip && !skip.IsNull()) {
      config.insecure_skip_tls_verify = skip.as<bool>();
    }

    const std::string ns = scalar(ctx, "namespace");
    if (!ns.empty()) config.default_namespace = ns;

    // A context without a user is anonymous access, which kubectl allows too.
    const std::string user_name = scalar(ctx, "user");
    if (user_name.empty()) return config;
    const YAML::Node user = named(root["users"], user_name, "user");
    if (!user) r.fail("user \"" + user_name + "\" not found");
    if (!user.IsMap()) return config;
    const std::string who = "user \"" + user_name + "\": ";
    if (user["exec"]) r.fail(who + "exec credential plugins are not supported");
    if (user["auth-provider"]) r.fail(who + "auth-provider plugins are not supported");
    if (user["username"] || user["password"]) r.fail(who + "basic authentication is not supported");

    config.client_cert_pem = r.pem(user, "client-certificate", "-----BEGIN");
    std::string key = r.pem(user, "client-key", "PRIVATE KEY-----");
    config.client_key_pem = Secret(key);
    cleanse(key);
    if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
      r.fail(who + "client-certificate and client-key must be given together");
    }
    // As in client-go, a token file wins over an inline token: it is the one kept current.
    if (const std::string file = scalar(user, "tokenFile"); !file.empty()) {
      config.token = TokenSource::file(r.resolve(file));
    } else if (std::string token = scalar(user, "token"); !token.empty()) {
      config.token = TokenSource::fixed(Secret(token));
      cleanse(token);
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp's messages give a line and column and a generic reason, not the content.
    r.fail(std::string("malformed: ") + e.what());
  }
  return config;
}

Config load_kubeconfig(const std::string& path, const std::string& context) {
  std::string text = read_file(path, "kubeconfig");
  const fs::path dir = fs::absolute(fs::path(path)).parent_path();
  Config config = parse_kubeconfig(text, dir.string(), context, path);
  cleanse(text);
  return config;
}

Config load_default_config(const std::string& explicit_path, const std::string& context) {
  if (!explicit_path.empty()) return load_kubeconfig(explicit_path, context);
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    // kubectl merges every file of the list; the first existing one covers the usual case.
    std::stringstream list(env);
    std::string entry;
    while (std::getline(list, entry, ':')) {
      if (!entry.empty() && fs::exists(entry)) return load_kubeconfig(entry, context);
    }
    throw ConfigError(std::string("none of the files in KUBECONFIG exists: ") + env);
  }
  if (running_in_cluster()) return load_in_cluster_config();
  if (const char* home = std::getenv("HOME"); home != nullptr) {
    const std::string path = std::string(home) + "/.kube/config";
    if (fs::exists(path)) return load_kubeconfig(path, context);
  }
  throw ConfigError("no kubeconfig: not in a cluster, KUBECONFIG unset, no ~/.kube/config");
}

http::ClientOptions client_options(const Config& config, std::chrono::milliseconds timeout) {
  http::ClientOptions o;
  o.timeout = timeout;
  o.verify_tls = !config.insecure_skip_tls_verify;
  o.ca_pem = config.ca_pem;
  o.client_cert_pem = config.client_cert_pem;
  o.client_key_pem = config.client_key_pem;
  return o;
}

}  // namespace rotor::kube
