#include "kube/selector.hpp"

#include <algorithm>
#include <cctype>

namespace rotor::kube {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

// Splits on commas that are not inside "( )", where set values are listed.
std::vector<std::string_view> split_requirements(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      parts.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    }
  }
  return parts;
}

// The value at a dotted path, when it is a scalar; field selectors compare text.
std::optional<std::string> field_value(const Json& object, std::string_view path) {
  const Json* cur = &object;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto dot = path.find('.', start);
    const std::string key(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (!cur->is_object() || !cur->has_field(key)) return std::nullopt;
    cur = &cur->at(key);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->as_string();
  if (cur->is_boolean()) return cur->as_bool() ? "true" : "false";
  if (cur->is_number()) return cur->serialize();
  return std::nullopt;
}

}  // namespace

std::optional<Selector> Selector::parse_labels(std::string_view text, std::string* error) {
  return parse(text, false, error);
}

std::optional<Selector> Selector::parse_fields(std::string_view text, std::string* error) {
  return parse(text, true, error);
}

std::optional<Selector> Selector::parse(std::string_view text, bool fields, std::string* error) {
  Selector sel;
  sel.fields_ = fields;
  auto fail = [&](std::string_view part) -> std::optional<Selector> {
    if (error != nullptr) *error = "unable to parse requirement \"" + std::string(part) + "\"";
    return std::nullopt;
  };
  if (trim(text).empty()) return sel;
  for (std::string_view part : split_requirements(text)) {
    if (part.empty()) return fail(part);
    Requirement req;
    if (const auto ne = part.find("!="); ne != std::string_view::npos) {
      req.op = Op::kNotEquals;
      req.key = trim(part.substr(0, ne));
      req.values.emplace_back(trim(part.substr(ne + 2)));
    } else if (const auto eq = part.find('='); eq != std::string_view::npos) {
      req.op = Op::kEquals;
      req.key = trim(part.substr(0, eq));
      const std::size_t skip = part.substr(eq).starts_with("==") ? 2 : 1;
      req.values.emplace_back(trim(part.substr(eq + skip)));
    } else if (const auto open = part.find('('); open != std::string_view::npos) {
      if (fields || part.back() != ')') return fail(part);
      std::string_view head = trim(part.substr(0, open));
      const auto space = head.find_last_of(" \t");
      if (space == std::string_view::npos) return fail(part);
      const std::string_view word = trim(head.substr(space + 1));
      if (word != "in" && word != "notin") return fail(part);
      req.op = word == "in" ? Op::kIn : Op::kNotIn;
      req.key = trim(head.substr(0, space));
      std::string_view list = part.substr(open + 1, part.size() - open - 2);
      for (std::string_view v : split_requirements(list)) req.values.emplace_back(v);
    } else if (!fields && part.front() == '!') {
      req.op = Op::kNotExists;
      req.key = trim(part.substr(1));
    } else if (!fields) {
      req.op = Op::kExists;
      req.key = part;
    } else {
      return fail(part);
    }
    if (req.key.empty() || req.key.find_first_of(" \t!=()") != std::string::npos) {
      return fail(part);
    }
    sel.requirements_.push_back(std::move(req));
  }
  return sel;
}

bool Selector::matches(const Json& object) const {
  const Json* labels = find(object, {"metadata", "labels"});
  for (const Requirement& req : requirements_) {
    std::optional<std::string> value;
    if (fields_) {
      value = field_value(object, req.key);
    } else if (labels != nullptr && labels->is_object() && labels->has_field(req.key) &&
               labels->at(req.key).is_string()) {
      value = labels->at(req.key).as_string();
    }
    const bool listed =
        value && std::find(req.values.begin(), req.values.end(), *value) != req.values.end();
    bool ok = false;
    switch (req.op) {
      // A field that is absent compares as empty, as the API server's field sets do.
      case Op::kEquals:
        ok = fields_ ? value.value_or("") == req.values[0] : listed;
        break;
      case Op::kNotEquals:
        ok = fields_ ? value.value_or("") != req.values[0] : !listed;
        break;
      case Op::kIn:
        ok = listed;
        break;
      case Op::kNotIn:
        ok = !listed;
        break;
      case Op::kExists:
        ok = value.has_value();
        break;
      case Op::kNotExists:
        ok = !value.has_value();
        break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace rotor::kube
