// Parsing JSON text into a Json with nlohmann-json's event (SAX) parser: nlohmann checks
// the grammar and UTF-8, we build the value. The only file that includes nlohmann.
#include <nlohmann/json.hpp>

#include "util/json.hpp"

namespace rotor {
namespace {

// Deeper documents are refused: building and destroying a value recurses once per level.
constexpr std::size_t kMaxDepth = 128;

class Builder {
 public:
  using Lib = nlohmann::json;

  bool null() { return add(Json()); }
  bool boolean(bool v) { return add(Json::boolean(v)); }
  bool number_integer(Lib::number_integer_t v) {
    return add(Json::number(static_cast<long long>(v)));
  }
  bool number_unsigned(Lib::number_unsigned_t v) {
    return add(Json::number(static_cast<unsigned long long>(v)));
  }
  bool number_float(Lib::number_float_t v, const Lib::string_t&) { return add(Json::number(v)); }
  bool string(Lib::string_t& v) { return add(Json::string(std::move(v))); }
  bool binary(Lib::binary_t&) { return false; }  // not JSON text
  bool start_object(std::size_t) { return open(Json::object()); }
  bool key(Lib::string_t& k) {
    key_ = std::move(k);
    return true;
  }
  bool end_object() {
    open_.back()->as_object().sort();
    open_.pop_back();
    return true;
  }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_array() {
    open_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  Json take() { return std::move(root_); }

 private:
  // Places `v` in the container being built (or as the root); returns where it went.
  Json* place(Json v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) return &parent.as_array().emplace_back(std::move(v));
    parent.as_object().append(std::move(key_), std::move(v));
    return &(parent.as_object().end() - 1)->second;
  }
  bool add(Json v) {
    place(std::move(v));
    return true;
  }
  // The containers being built are each the last element of their parent, so these
  // pointers stay valid until they are closed.
  bool open(Json container) {
    if (open_.size() >= kMaxDepth) return false;
    open_.push_back(place(std::move(container)));
    return true;
  }

  Json root_;
  std::vector<Json*> open_;
  std::string key_;
};

}  // namespace

Json Json::parse(std::string_view text, std::error_code& ec) {
  Builder builder;
  const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &builder,
                                            nlohmann::json::input_format_t::json, true, false);
  if (!ok) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return Json();
  }
  ec.clear();
  return builder.take();
}

}  // namespace rotor
