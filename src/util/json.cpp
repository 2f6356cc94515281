#include "util/json.hpp"

#include <charconv>

namespace rotor {

// Safe on hostile input: more than 128 levels are refused (json_parse.cpp); outcome_test
// checks 100k nested brackets.
std::optional<Json> parse_json(const std::string& text) {
  std::error_code ec;
  Json v = Json::parse(text, ec);
  if (ec) return std::nullopt;
  return v;
}

std::optional<std::string> json_string(const Json& v, const std::string& key) {
  if (!v.is_object() || !v.has_field(key)) return std::nullopt;
  const Json& f = v.at(key);
  if (f.is_string()) return f.as_string();
  if (f.is_number() || f.is_boolean()) return f.serialize();
  return std::nullopt;
}

std::optional<long long> json_integer(const Json& v, const std::string& key) {
  if (!v.is_object() || !v.has_field(key)) return std::nullopt;
  const Json& f = v.at(key);
  if (f.is_integer()) return f.as_number().to_int64();
  if (f.is_string()) {
    const std::string s = f.as_string();
    long long out = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && ptr == s.data() + s.size()) return out;
  }
  return std::nullopt;
}

std::string to_json_string(const Json& v) {
  return v.serialize();
}

}  // namespace rotor
