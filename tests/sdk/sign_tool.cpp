// Signs requests read from stdin, one JSON object per line, and prints one JSON object per
// line with the signature, so that tests/sdk can compare rotor's signer with the official
// SDK's on many generated requests. Input keys: method, path, query, headers (object),
// body, sk. Output: {"signed_headers": "...", "canonical": "...", "signature": "..."}.
#include <iostream>
#include <string>

#include "cloud/signer.hpp"
#include "util/json.hpp"
#include "util/log.hpp"

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    const auto parsed = rotor::parse_json(line);
    if (!parsed) return 1;
    const rotor::Json& in = *parsed;
    rotor::http::Headers headers;
    for (const auto& [k, v] : in.at("headers").as_object()) headers.add(k, v.as_string());
    const auto names = rotor::cloud::headers_to_sign(headers);
    const std::string method = in.at("method").as_string();
    const std::string path = in.at("path").as_string();
    const std::string query = in.at("query").as_string();
    const std::string body = in.at("body").as_string();
    std::string joined;
    for (const auto& n : names) joined += (joined.empty() ? "" : ";") + n;
    const std::string canonical =
        rotor::cloud::canonical_request(method, path, query, headers, names, body);
    const std::string sig = rotor::cloud::compute_signature(
        method, path, query, headers, names, body, rotor::Secret(in.at("sk").as_string()));
    std::cout << "{\"signed_headers\":\"" << joined << "\",\"canonical\":\""
              << rotor::json_escape(canonical) << "\",\"signature\":\"" << sig << "\"}\n";
  }
  return 0;
}
