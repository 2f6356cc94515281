#pragma once
// Label and field selectors, as the API server evaluates them; the fake API filters lists and
// watches with these so that a controller's selector is tested, not ignored.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/json.hpp"

namespace rotor::kube {

class Selector {
 public:
  // Label selector syntax: "a=b", "a==b", "a!=b", "a", "!a", "a in (x,y)", "a notin (x,y)",
  // comma-separated (all must hold). nullopt when malformed; `error` then says why.
  static std::optional<Selector> parse_labels(std::string_view text, std::string* error = nullptr);
  // Field selector syntax: "path=value", "path==value", "path!=value", comma-separated, with
  // dotted paths into the object ("metadata.name", "type").
  static std::optional<Selector> parse_fields(std::string_view text, std::string* error = nullptr);

  // Evaluates against an object: its metadata.labels, or its fields.
  bool matches(const Json& object) const;
  bool empty() const { return requirements_.empty(); }

 private:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  struct Requirement {
    Op op = Op::kEquals;
    std::string key;
    std::vector<std::string> values;
  };
  static std::optional<Selector> parse(std::string_view text, bool fields, std::string* error);

  bool fields_ = false;
  std::vector<Requirement> requirements_;
};

}  // namespace rotor::kube
