#pragma once
// JSON through cpprestsdk's web::json, behind a few helpers of ours: parsing never throws
// and field access tolerates the shapes the cloud documents show (numbers as strings,
// missing fields, null).
#include <cpprest/json.h>

#include <optional>
#include <string>

namespace rotor {

using Json = web::json::value;

// Parses `text`; nullopt when it is not JSON.
std::optional<Json> parse_json(const std::string& text);
// A member as a string: strings as they are, numbers and booleans printed; nullopt when
// absent, null, or `v` is not an object.
std::optional<std::string> json_string(const Json& v, const std::string& key);
std::optional<long long> json_integer(const Json& v, const std::string& key);
std::string to_json_string(const Json& v);

}  // namespace rotor
