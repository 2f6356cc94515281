#pragma once
// SDK-HMAC-SHA256 request signing, as the Huawei Cloud API gateway verifies it
// (../shared/api-notes.md, "Request signing"). The simulator verifies with the same
// canonical form, and tests/sdk cross-checks both against the official Python SDK.
#include <string>
#include <vector>

#include "http/http.hpp"
#include "util/clock.hpp"
#include "util/secret.hpp"

namespace rotor::cloud {

struct AccessKey {
  std::string access_key;  // AK: an identifier, may be logged
  Secret secret_key;       // SK
  Secret security_token;   // temporary credentials only; empty otherwise
};

// The SDKs' escaping: RFC 3986 percent-encoding (util/percent.hpp).
std::string sdk_escape(std::string_view s);

// The pieces of the canonical request, exposed for tests and for the verifier.
std::string canonical_uri(std::string_view raw_path);
std::string canonical_query(std::string_view raw_query);
// Sorted, lowercased names of the headers that get signed, of those present.
std::vector<std::string> headers_to_sign(const http::Headers& headers);
std::string canonical_request(const std::string& method, std::string_view raw_path,
                              std::string_view raw_query, const http::Headers& headers,
                              const std::vector<std::string>& signed_headers,
                              std::string_view body);
std::string string_to_sign(const std::string& sdk_date, const std::string& canonical);

// Adds X-Sdk-Date (from the clock, unless already set), Host, X-Security-Token (temporary
// credentials) and Authorization to `request`. X-Project-Id and Content-Type must already
// be set by the caller if wanted: they are signed when present.
void sign_request(http::Request& request, const AccessKey& key, const Clock& clock);

// The Authorization header's parts; false when the header is not SDK-HMAC-SHA256.
struct ParsedAuthorization {
  std::string access_key;
  std::vector<std::string> signed_headers;
  std::string signature;
};
bool parse_authorization(const std::string& value, ParsedAuthorization& out);

// Recomputes the signature of a received request; `raw_path`/`raw_query` as they arrived.
std::string compute_signature(const std::string& method, std::string_view raw_path,
                              std::string_view raw_query, const http::Headers& headers,
                              const std::vector<std::string>& signed_headers, std::string_view body,
                              const Secret& secret_key);

}  // namespace rotor::cloud
