#include "http/http.hpp"

#include "util/secret.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace rotor::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  items_.emplace_back(std::move(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> Headers::get(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

void Headers::cleanse_values() noexcept {
  for (auto& item : items_) cleanse(item.second);
}

void Headers::remove(std::string_view name) {
  std::erase_if(items_, [&](const auto& kv) { return iequals(kv.first, name); });
}

const char* to_string(TransportError e) {
  switch (e) {
    case TransportError::kTimeout:
      return "timeout";
    case TransportError::kConnectFailed:
      return "connect failed";
    case TransportError::kTls:
      return "TLS failure";
    case TransportError::kConnectionLost:
      return "connection lost";
    case TransportError::kInvalidRequest:
      return "invalid request";
    case TransportError::kOther:
      return "transport error";
  }
  return "transport error";
}

std::string Url::host_header() const {
  const bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  return default_port ? host : host + ":" + std::to_string(port);
}

bool parse_url(const std::string& text, Url& out) {
  const auto sep = text.find("://");
  if (sep == std::string::npos) return false;
  Url u;
  u.scheme = to_lower(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return false;
  const std::string rest = text.substr(sep + 3);
  const auto path_start = rest.find_first_of("/?");
  std::string authority = rest.substr(0, path_start);
  std::string tail = path_start == std::string::npos ? "" : rest.substr(path_start);
  if (authority.empty() || authority.find_first_of("@ \t") != std::string::npos) return false;
  u.port = u.scheme == "https" ? 443 : 80;
  // "[::1]:8443" keeps its brackets in the host; the port follows the last ':' outside them.
  const auto bracket = authority.rfind(']');
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    const std::string port = authority.substr(colon + 1);
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p <= 0 || p > 65535) return false;
    u.port = p;
    authority.resize(colon);
  }
  if (authority.empty()) return false;
  u.host = authority;
  const auto q = tail.find('?');
  u.path = q == std::string::npos ? tail : tail.substr(0, q);
  u.query = q == std::string::npos ? "" : tail.substr(q + 1);
  if (u.path.empty()) u.path = "/";
  out = std::move(u);
  return true;
}

}  // namespace rotor::http
