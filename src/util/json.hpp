#pragma once
// rotor's one JSON module: a JSON value of ours (the subset of operations rotor uses), with
// parsing done by nlohmann-json underneath (json_parse.cpp, the only file that includes
// it) and serialising done here. Every other file (kube objects, cloud answers, the
// simulator) takes its Json from here.
//
// Objects keep their fields sorted by key unless made with object(true), which keeps them
// in insertion order; parsed objects are sorted. Serialised text is compact, doubles print
// with "%.17g" (3.0 as 3), so the bytes rotor sends and stores are those it sent and stored
// when it used cpprestsdk's web::json, whose conventions these are.
//
// Misuse (as_string() on a number, at() of a missing key) throws JsonError; the helpers at
// the end of this file never throw.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace rotor {

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A JSON number as parsed or made: a signed or an unsigned integer, or a double.
class JsonNumber {
 public:
  enum class Kind { kSigned, kUnsigned, kDouble };
  JsonNumber() = default;
  static JsonNumber of_signed(std::int64_t v);
  static JsonNumber of_unsigned(std::uint64_t v);
  static JsonNumber of_double(double v);

  bool is_integral() const { return kind_ != Kind::kDouble; }
  bool is_int64() const;
  bool is_uint64() const;
  std::int64_t to_int64() const;
  std::uint64_t to_uint64() const;
  std::int32_t to_int32() const { return static_cast<std::int32_t>(to_int64()); }
  double to_double() const;
  Kind kind() const { return kind_; }
  friend bool operator==(const JsonNumber& a, const JsonNumber& b);

 private:
  Kind kind_ = Kind::kSigned;
  std::int64_t signed_ = 0;
  std::uint64_t unsigned_ = 0;
  double double_ = 0;
};

class JsonObject;

class Json {
 public:
  enum class Type { kNull, kBoolean, kNumber, kString, kArray, kObject };
  using Array = std::vector<Json>;

  Json();  // null
  Json(const Json& other);
  Json(Json&& other) noexcept;
  Json& operator=(const Json& other);
  Json& operator=(Json&& other) noexcept;
  ~Json();

  static Json null() { return Json(); }
  static Json boolean(bool v);
  static Json number(int v) { return number(static_cast<long long>(v)); }
  static Json number(long v) { return number(static_cast<long long>(v)); }
  static Json number(long long v);
  static Json number(unsigned v) { return number(static_cast<unsigned long long>(v)); }
  static Json number(unsigned long v) { return number(static_cast<unsigned long long>(v)); }
  static Json number(unsigned long long v);
  static Json number(double v);
  static Json string(std::string v);
  static Json array(Array items = {});
  static Json object(bool keep_order = false);
  // Parses a whole document; sets `ec` (and returns null) when `text` is not JSON, or nests
  // deeper than 128 levels (a hostile answer must not exhaust the stack).
  static Json parse(std::string_view text, std::error_code& ec);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_boolean() const { return type_ == Type::kBoolean; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_integer() const { return is_number() && number_.is_integral(); }
  bool is_double() const { return is_number() && !number_.is_integral(); }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  bool as_bool() const;
  int as_integer() const;
  double as_double() const;
  const JsonNumber& as_number() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const JsonObject& as_object() const;
  JsonObject& as_object();

  // Object member, made (null) when absent; a null value becomes an empty object first.
  Json& operator[](const std::string& key);
  // Array element; a null value becomes an array, and the array grows to reach `index`.
  Json& operator[](std::size_t index);
  const Json& at(const std::string& key) const;
  Json& at(const std::string& key);
  const Json& at(std::size_t index) const;
  Json& at(std::size_t index);
  bool has_field(const std::string& key) const;
  // Removes an object's member or an array's element; false when there was none.
  bool erase(const std::string& key);
  bool erase(std::size_t index);
  // Members of an object, elements of an array, 0 otherwise.
  std::size_t size() const;

  std::string serialize() const;
  void serialize_to(std::string& out) const;

  // Deep equality; object members compare by key, whatever their order.
  friend bool operator==(const Json& a, const Json& b);

 private:
  Type type_ = Type::kNull;
  bool boolean_ = false;
  JsonNumber number_;
  std::string string_;
  std::unique_ptr<Array> array_;
  std::unique_ptr<JsonObject> object_;
};

// An object's members in order (sorted, or as inserted when made with object(true)).
class JsonObject {
 public:
  using Field = std::pair<std::string, Json>;
  using iterator = std::vector<Field>::iterator;
  using const_iterator = std::vector<Field>::const_iterator;

  explicit JsonObject(bool keep_order = false) : keep_order_(keep_order) {}

  iterator begin() { return fields_.begin(); }
  iterator end() { return fields_.end(); }
  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  bool keep_order() const { return keep_order_; }

  const_iterator find(std::string_view key) const;  // end() when absent
  iterator find(std::string_view key);
  const Json* get(std::string_view key) const;  // nullptr when absent
  Json* get(std::string_view key);
  Json& operator[](const std::string& key);  // inserts null when absent
  bool erase(std::string_view key);
  // For the parser: appends, then sort() once the object is complete.
  void append(std::string key, Json value);
  void sort();

 private:
  std::vector<Field> fields_;
  bool keep_order_;
};

// Parses `text`; nullopt when it is not JSON.
std::optional<Json> parse_json(const std::string& text);
// A member as a string: strings as they are, numbers and booleans printed; nullopt when
// absent, null, or `v` is not an object.
std::optional<std::string> json_string(const Json& v, const std::string& key);
std::optional<long long> json_integer(const Json& v, const std::string& key);
std::string to_json_string(const Json& v);

}  // namespace rotor
