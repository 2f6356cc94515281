#pragma once
// JSON for Kubernetes objects, on util/json.hpp. Objects are handled as
// generic JSON (not typed structs) because the operator reads a few fields of many kinds and
// must round-trip everything else untouched on update.
//
// The helpers never throw: a missing member or one of an unexpected type reads as the
// default, because a controller must not crash on an object someone edited by hand.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "util/json.hpp"

namespace rotor::kube {

using Json = rotor::Json;

// Parses `text`; nullopt when it is not JSON.
std::optional<Json> parse_json(std::string_view text);
std::string dump(const Json& v);

// The member at `path` (object keys, outermost first), or nullptr.
const Json* find(const Json& v, std::initializer_list<std::string_view> path);
std::string get_string(const Json& v, std::initializer_list<std::string_view> path,
                       std::string fallback = "");
std::int64_t get_int(const Json& v, std::initializer_list<std::string_view> path,
                     std::int64_t fallback = 0);
// The object at `path`, creating it (and any missing or non-object step) on the way.
Json& ensure_object(Json& v, std::initializer_list<std::string_view> path);
// Removes `key` from `v` if `v` is an object that has it.
void erase_field(Json& v, std::string_view key);

// Metadata accessors shared by the real and the fake API.
inline std::string name_of(const Json& obj) {
  return get_string(obj, {"metadata", "name"});
}
inline std::string namespace_of(const Json& obj) {
  return get_string(obj, {"metadata", "namespace"});
}
inline std::string resource_version_of(const Json& obj) {
  return get_string(obj, {"metadata", "resourceVersion"});
}

// RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces.
Json merge_patch(const Json& target, const Json& patch);

// RFC 6902 JSON patch (add, remove, replace, move, copy, test) applied to `doc`. On failure
// `doc` is unchanged and `error` says which operation failed and why.
bool apply_json_patch(Json& doc, const Json& patch, std::string& error);

}  // namespace rotor::kube
