#include "kube/json.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>
#include <vector>

namespace rotor::kube {

std::optional<Json> parse_json(std::string_view text) {
  std::error_code ec;
  Json v = Json::parse(std::string(text), ec);
  if (ec) return std::nullopt;
  return v;
}

std::string dump(const Json& v) {
  return v.serialize();
}

const Json* find(const Json& v, std::initializer_list<std::string_view> path) {
  const Json* cur = &v;
  for (std::string_view key : path) {
    if (!cur->is_object()) return nullptr;
    const auto& obj = cur->as_object();
    auto it = obj.find(std::string(key));
    if (it == obj.end()) return nullptr;
    cur = &it->second;
  }
  return cur;
}

std::string get_string(const Json& v, std::initializer_list<std::string_view> path,
                       std::string fallback) {
  const Json* f = find(v, path);
  return f != nullptr && f->is_string() ? f->as_string() : fallback;
}

std::int64_t get_int(const Json& v, std::initializer_list<std::string_view> path,
                     std::int64_t fallback) {
  const Json* f = find(v, path);
  if (f == nullptr || !f->is_integer()) return fallback;
  return f->as_number().to_int64();
}

Json& ensure_object(Json& v, std::initializer_list<std::string_view> path) {
  if (!v.is_object()) v = Json::object();
  Json* cur = &v;
  for (std::string_view key : path) {
    Json& next = (*cur)[std::string(key)];
    if (!next.is_object()) next = Json::object();
    cur = &next;
  }
  return *cur;
}

void erase_field(Json& v, std::string_view key) {
  if (v.is_object() && v.has_field(std::string(key))) v.erase(std::string(key));
}

Json merge_patch(const Json& target, const Json& patch) {
  if (!patch.is_object()) return patch;
  Json out = target.is_object() ? target : Json::object();
  for (const auto& [key, value] : patch.as_object()) {
    if (value.is_null()) {
      erase_field(out, key);
    } else {
      const Json current = out.has_field(key) ? out.at(key) : Json::null();
      out[key] = merge_patch(current, value);
    }
  }
  return out;
}

namespace {

// A JSON pointer (RFC 6901) split into unescaped reference tokens; nullopt if malformed.
std::optional<std::vector<std::string>> parse_pointer(const std::string& pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') return std::nullopt;
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
    } else if (pointer[i] == '~') {
      if (i + 1 >= pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')) {
        return std::nullopt;
      }
      token += pointer[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      token += pointer[i];
    }
  }
  return tokens;
}

// An array index token: digits without a leading zero.
std::optional<std::size_t> parse_index(const std::string& token) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  std::size_t n = 0;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), n);
  if (ec != std::errc() || ptr != token.data() + token.size()) return std::nullopt;
  return n;
}

// The node the first `count` tokens lead to, or nullptr.
Json* walk(Json& root, const std::vector<std::string>& tokens, std::size_t count) {
  Json* cur = &root;
  for (std::size_t i = 0; i < count; ++i) {
    if (cur->is_object()) {
      if (!cur->has_field(tokens[i])) return nullptr;
      cur = &cur->at(tokens[i]);
    } else if (cur->is_array()) {
      auto index = parse_index(tokens[i]);
      if (!index || *index >= cur->as_array().size()) return nullptr;
      cur = &cur->at(*index);
    } else {
      return nullptr;
    }
  }
  return cur;
}

bool get_at(Json& root, const std::vector<std::string>& path, Json& out) {
  Json* node = walk(root, path, path.size());
  if (node == nullptr) return false;
  out = *node;
  return true;
}

bool add_at(Json& root, const std::vector<std::string>& path, const Json& value) {
  if (path.empty()) {
    root = value;
    return true;
  }
  Json* parent = walk(root, path, path.size() - 1);
  if (parent == nullptr) return false;
  const std::string& last = path.back();
  if (parent->is_object()) {
    (*parent)[last] = value;
    return true;
  }
  if (!parent->is_array()) return false;
  Json::Array& items = parent->as_array();
  if (last == "-") {
    items.push_back(value);
  } else {
    auto index = parse_index(last);
    if (!index || *index > items.size()) return false;
    items.insert(items.begin() + static_cast<std::ptrdiff_t>(*index), value);
  }
  return true;
}

bool remove_at(Json& root, const std::vector<std::string>& path) {
  if (path.empty()) return false;
  Json* parent = walk(root, path, path.size() - 1);
  if (parent == nullptr) return false;
  if (parent->is_object()) {
    if (!parent->has_field(path.back())) return false;
    parent->erase(path.back());
    return true;
  }
  if (!parent->is_array()) return false;
  auto index = parse_index(path.back());
  if (!index || *index >= parent->as_array().size()) return false;
  parent->erase(*index);
  return true;
}

// One operation on `doc`; an empty string on success, else why it failed.
std::string apply_op(Json& doc, const Json& op) {
  const std::string kind = get_string(op, {"op"});
  const Json* path_field = find(op, {"path"});
  if (path_field == nullptr || !path_field->is_string()) return "missing path";
  auto path = parse_pointer(path_field->as_string());
  if (!path) return "malformed path";
  const Json* value = find(op, {"value"});
  if ((kind == "add" || kind == "replace" || kind == "test") && value == nullptr) {
    return "missing value";
  }
  if (kind == "add") return add_at(doc, *path, *value) ? "" : "path not found";
  if (kind == "remove") return remove_at(doc, *path) ? "" : "path not found";
  if (kind == "replace") {
    Json* node = walk(doc, *path, path->size());
    if (node == nullptr) return "path not found";
    *node = *value;
    return "";
  }
  if (kind == "test") {
    Json current;
    if (!get_at(doc, *path, current)) return "path not found";
    return current == *value ? "" : "test failed";
  }
  if (kind == "move" || kind == "copy") {
    auto from = parse_pointer(get_string(op, {"from"}));
    if (!from) return "malformed from";
    Json moved;
    if (!get_at(doc, *from, moved)) return "from not found";
    if (kind == "move") {
      const bool into_itself =
          path->size() > from->size() && std::equal(from->begin(), from->end(), path->begin());
      if (into_itself) return "cannot move a value into itself";
      if (!remove_at(doc, *from)) return "from not found";
    }
    return add_at(doc, *path, moved) ? "" : "path not found";
  }
  return "unknown op \"" + kind + "\"";
}

}  // namespace

bool apply_json_patch(Json& doc, const Json& patch, std::string& error) {
  if (!patch.is_array()) {
    error = "a JSON patch must be an array";
    return false;
  }
  Json work = doc;
  const auto& ops = patch.as_array();
  std::size_t i = 0;
  for (const Json& op : ops) {
    std::string why = op.is_object() ? apply_op(work, op) : "operation is not an object";
    if (!why.empty()) {
      error = "operation " + std::to_string(i) + ": " + why;
      return false;
    }
    ++i;
  }
  doc = std::move(work);
  return true;
}

}  // namespace rotor::kube
