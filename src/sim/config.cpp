#include "sim/config.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace rotor::sim {
namespace {

bool typed_key(const std::string& key) {
  static const std::set<std::string> kTyped = {"seed",
                                               "redis_port",
                                               "latency_ms",
                                               "error_rate",
                                               "error_next",
                                               "throttle_rate",
                                               "throttle_next",
                                               "busy_calls",
                                               "drop_rate",
                                               "drop_next",
                                               "password_free",
                                               "reset_unsupported",
                                               "unlock",
                                               "advance_seconds",
                                               "lifetime_seconds",
                                               "token_lifetime_seconds",
                                               "rate_limit_per_s",
                                               "rate_limit_burst",
                                               "rate_limit_retry_after"};
  return kTyped.count(key) > 0;
}

Json typed_scalar(const YAML::Node& n) {
  const std::string s = n.Scalar();
  if (n.Tag() == "!") return Json::string(s);  // quoted: the user said string
  if (s == "true" || s == "True") return Json::boolean(true);
  if (s == "false" || s == "False") return Json::boolean(false);
  if (s == "~" || s == "null") return Json::null();
  std::error_code ec;
  Json v = Json::parse(s, ec);
  if (!ec && v.is_number()) return v;
  return Json::string(s);
}

Json convert(const YAML::Node& n, bool typed) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Json::null();
    case YAML::NodeType::Scalar:
      return typed ? typed_scalar(n) : Json::string(n.Scalar());
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      std::size_t i = 0;
      for (const auto& item : n) out[i++] = convert(item, typed);
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object(true);
      for (const auto& kv : n) {
        const std::string key = kv.first.as<std::string>();
        out[key] = convert(kv.second, typed_key(key));
      }
      return out;
    }
  }
  return Json::null();
}

}  // namespace

Json yaml_to_json(const YAML::Node& node) {
  return convert(node, false);
}

std::string read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError("cannot read secret file " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.empty()) throw SpecError("secret file " + path + " is empty");
  return s;
}

Json load_config_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's message names the line and column, not the content.
    throw SpecError("cannot load " + path + ": " + e.what());
  }
  if (!root.IsMap()) throw SpecError(path + ": the configuration must be a mapping");
  Json config = yaml_to_json(root);
  const auto dir = std::filesystem::path(path).parent_path();
  if (config.has_field("access_keys") && config.at("access_keys").is_array()) {
    for (auto& key : config.at("access_keys").as_array()) {
      const Json* file = member(key, "sk_file");
      if (!file || !file->is_string()) continue;
      std::filesystem::path p = file->as_string();
      if (p.is_relative()) p = dir / p;
      key["sk"] = Json::string(read_secret_file(p.string()));
    }
  }
  // A path relative to the config file's directory.
  const auto resolve = [&](const std::string& file) {
    std::filesystem::path p = file;
    return (p.is_relative() ? dir / p : p).string();
  };
  if (config.has_field("oidc") && config.at("oidc").is_object()) {
    Json& oidc = config.at("oidc");
    if (const Json* file = member(oidc, "jwks_file"); file && file->is_string()) {
      oidc["jwks"] = Json::string(read_secret_file(resolve(file->as_string())));
    }
  }
  if (config.has_field("pod_identity") && config.at("pod_identity").is_object()) {
    Json& pod = config.at("pod_identity");
    if (const Json* file = member(pod, "token_file"); file && file->is_string()) {
      pod["token"] = Json::string(read_secret_file(resolve(file->as_string())));
    }
  }
  return config;
}

}  // namespace rotor::sim
