#include "cloud/signer.hpp"

#include <algorithm>
#include <map>

#include "util/crypto.hpp"
#include "util/percent.hpp"

namespace rotor::cloud {
namespace {

constexpr const char* kAlgorithm = "SDK-HMAC-SHA256";

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto pos = s.find(sep, start);
    parts.push_back(
        s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

}  // namespace

std::string sdk_escape(std::string_view s) {
  return percent_encode(s);
}

std::string canonical_uri(std::string_view raw_path) {
  // The path is decoded whole and then split, as the official SDKs do, so that a path the
  // client already escaped is signed like its unescaped form (escaping applied once).
  std::string out;
  const std::string decoded = percent_decode(raw_path);
  const auto segments = split(decoded, '/');
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    out += sdk_escape(segments[i]);
  }
  if (out.empty() || out.back() != '/') out += '/';
  return out;
}

std::string canonical_query(std::string_view raw_query) {
  if (raw_query.empty()) return "";
  // Keys and values are sorted decoded (bytewise) and encoded afterwards, as the official
  // Python and Go SDKs do; sorting the encoded forms differs whenever an escaped byte
  // (e.g. ':' -> "%3A", or UTF-8) meets a digit, letter, '-', '.', '_' or '~'.
  std::map<std::string, std::vector<std::string>> params;
  for (auto pair : split(raw_query, '&')) {
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string key = percent_decode(pair.substr(0, eq));
    const std::string value =
        eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    params[key].push_back(value);
  }
  std::string out;
  for (auto& [key, values] : params) {
    std::sort(values.begin(), values.end());
    const std::string k = sdk_escape(key);
    for (const auto& v : values) {
      if (!out.empty()) out += '&';
      out += k + "=" + sdk_escape(v);
    }
  }
  return out;
}

std::vector<std::string> headers_to_sign(const http::Headers& headers) {
  static const std::vector<std::string> kSigned = {"content-type", "host", "x-project-id",
                                                   "x-sdk-date", "x-security-token"};
  std::vector<std::string> out;
  for (const auto& name : kSigned) {
    if (headers.has(name)) out.push_back(name);
  }
  return out;  // kSigned is sorted, so out is too
}

std::string canonical_request(const std::string& method, std::string_view raw_path,
                              std::string_view raw_query, const http::Headers& headers,
                              const std::vector<std::string>& signed_headers,
                              std::string_view body) {
  std::string names_line;
  std::string header_block;
  std::vector<std::string> sorted = signed_headers;
  for (auto& n : sorted) n = http::to_lower(n);
  std::sort(sorted.begin(), sorted.end());
  for (const auto& name : sorted) {
    header_block += name + ":" + trim(headers.get(name).value_or("")) + "\n";
    if (!names_line.empty()) names_line += ';';
    names_line += name;
  }
  return method + "\n" + canonical_uri(raw_path) + "\n" + canonical_query(raw_query) + "\n" +
         header_block + "\n" + names_line + "\n" + sha256_hex(body);
}

std::string string_to_sign(const std::string& sdk_date, const std::string& canonical) {
  return std::string(kAlgorithm) + "\n" + sdk_date + "\n" + sha256_hex(canonical);
}

std::string compute_signature(const std::string& method, std::string_view raw_path,
                              std::string_view raw_query, const http::Headers& headers,
                              const std::vector<std::string>& signed_headers, std::string_view body,
                              const Secret& secret_key) {
  const std::string canonical =
      canonical_request(method, raw_path, raw_query, headers, signed_headers, body);
  const std::string date = headers.get("X-Sdk-Date").value_or("");
  return hmac_sha256_hex(secret_key.reveal(), string_to_sign(date, canonical));
}

void sign_request(http::Request& request, const AccessKey& key, const Clock& clock) {
  http::Url url;
  if (!http::parse_url(request.url, url)) throw std::invalid_argument("cannot sign: bad URL");
  if (!request.headers.has("X-Sdk-Date"))
    request.headers.set("X-Sdk-Date", format_sdk_date(clock.now()));
  request.headers.set("Host", url.host_header());
  if (!key.security_token.empty()) {
    request.headers.set("X-Security-Token", key.security_token.reveal());
  }
  const auto names = headers_to_sign(request.headers);
  const std::string signature = compute_signature(
      request.method, url.path, url.query, request.headers, names, request.body, key.secret_key);
  std::string joined;
  for (const auto& n : names) joined += (joined.empty() ? "" : ";") + n;
  request.headers.set("Authorization", std::string(kAlgorithm) + " Access=" + key.access_key +
                                           ", SignedHeaders=" + joined +
                                           ", Signature=" + signature);
}

bool parse_authorization(const std::string& value, ParsedAuthorization& out) {
  const std::string prefix = std::string(kAlgorithm) + " ";
  if (value.rfind(prefix, 0) != 0) return false;
  ParsedAuthorization parsed;
  for (auto part : split(std::string_view(value).substr(prefix.size()), ',')) {
    const std::string item = trim(part);
    const auto eq = item.find('=');
    if (eq == std::string::npos) return false;
    const std::string k = item.substr(0, eq);
    const std::string v = item.substr(eq + 1);
    if (k == "Access") {
      parsed.access_key = v;
    } else if (k == "SignedHeaders") {
      for (auto h : split(v, ';')) parsed.signed_headers.emplace_back(http::to_lower(h));
    } else if (k == "Signature") {
      parsed.signature = v;
    }
  }
  if (parsed.access_key.empty() || parsed.signature.empty() || parsed.signed_headers.empty())
    return false;
  out = std::move(parsed);
  return true;
}

}  // namespace rotor::cloud
