// The Json value: construction, access and comparison. Containers live behind pointers so
// that a scalar costs no allocation; copies are deep.
#include <algorithm>
#include <limits>

#include "util/json.hpp"

namespace rotor {

JsonNumber JsonNumber::of_signed(std::int64_t v) {
  JsonNumber n;
  n.kind_ = Kind::kSigned;
  n.signed_ = v;
  return n;
}

JsonNumber JsonNumber::of_unsigned(std::uint64_t v) {
  JsonNumber n;
  n.kind_ = Kind::kUnsigned;
  n.unsigned_ = v;
  return n;
}

JsonNumber JsonNumber::of_double(double v) {
  JsonNumber n;
  n.kind_ = Kind::kDouble;
  n.double_ = v;
  return n;
}

bool JsonNumber::is_int64() const {
  return kind_ == Kind::kSigned ||
         (kind_ == Kind::kUnsigned &&
          unsigned_ <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
}

bool JsonNumber::is_uint64() const {
  return kind_ == Kind::kUnsigned || (kind_ == Kind::kSigned && signed_ >= 0);
}

std::int64_t JsonNumber::to_int64() const {
  switch (kind_) {
    case Kind::kSigned:
      return signed_;
    case Kind::kUnsigned:
      return static_cast<std::int64_t>(unsigned_);
    case Kind::kDouble:
      return static_cast<std::int64_t>(double_);
  }
  return 0;
}

std::uint64_t JsonNumber::to_uint64() const {
  switch (kind_) {
    case Kind::kSigned:
      return static_cast<std::uint64_t>(signed_);
    case Kind::kUnsigned:
      return unsigned_;
    case Kind::kDouble:
      return static_cast<std::uint64_t>(double_);
  }
  return 0;
}

double JsonNumber::to_double() const {
  switch (kind_) {
    case Kind::kSigned:
      return static_cast<double>(signed_);
    case Kind::kUnsigned:
      return static_cast<double>(unsigned_);
    case Kind::kDouble:
      return double_;
  }
  return 0;
}

bool operator==(const JsonNumber& a, const JsonNumber& b) {
  if (a.is_integral() && b.is_integral()) {
    if (a.is_int64() && b.is_int64()) return a.to_int64() == b.to_int64();
    return a.is_uint64() && b.is_uint64() && a.to_uint64() == b.to_uint64();
  }
  return a.to_double() == b.to_double();
}

Json::Json() = default;
Json::~Json() = default;

// A moved-from value is null, never an object without its members.
Json::Json(Json&& other) noexcept
    : type_(std::exchange(other.type_, Type::kNull)),
      boolean_(other.boolean_),
      number_(other.number_),
      string_(std::move(other.string_)),
      array_(std::move(other.array_)),
      object_(std::move(other.object_)) {}

Json& Json::operator=(Json&& other) noexcept {
  if (this != &other) {
    type_ = std::exchange(other.type_, Type::kNull);
    boolean_ = other.boolean_;
    number_ = other.number_;
    string_ = std::move(other.string_);
    array_ = std::move(other.array_);
    object_ = std::move(other.object_);
  }
  return *this;
}

Json::Json(const Json& other)
    : type_(other.type_),
      boolean_(other.boolean_),
      number_(other.number_),
      string_(other.string_),
      array_(other.array_ ? std::make_unique<Array>(*other.array_) : nullptr),
      object_(other.object_ ? std::make_unique<JsonObject>(*other.object_) : nullptr) {}

Json& Json::operator=(const Json& other) {
  if (this != &other) {
    Json copy(other);  // `other` may live inside *this
    *this = std::move(copy);
  }
  return *this;
}

Json Json::boolean(bool v) {
  Json j;
  j.type_ = Type::kBoolean;
  j.boolean_ = v;
  return j;
}

Json Json::number(long long v) {
  Json j;
  j.type_ = Type::kNumber;
  j.number_ = JsonNumber::of_signed(v);
  return j;
}

Json Json::number(unsigned long long v) {
  Json j;
  j.type_ = Type::kNumber;
  j.number_ = JsonNumber::of_unsigned(v);
  return j;
}

Json Json::number(double v) {
  Json j;
  j.type_ = Type::kNumber;
  j.number_ = JsonNumber::of_double(v);
  return j;
}

Json Json::string(std::string v) {
  Json j;
  j.type_ = Type::kString;
  j.string_ = std::move(v);
  return j;
}

Json Json::array(Array items) {
  Json j;
  j.type_ = Type::kArray;
  j.array_ = std::make_unique<Array>(std::move(items));
  return j;
}

Json Json::object(bool keep_order) {
  Json j;
  j.type_ = Type::kObject;
  j.object_ = std::make_unique<JsonObject>(keep_order);
  return j;
}

bool Json::as_bool() const {
  if (!is_boolean()) throw JsonError("JSON value is not a boolean");
  return boolean_;
}

int Json::as_integer() const {
  if (!is_number()) throw JsonError("JSON value is not a number");
  return number_.to_int32();
}

double Json::as_double() const {
  if (!is_number()) throw JsonError("JSON value is not a number");
  return number_.to_double();
}

const JsonNumber& Json::as_number() const {
  if (!is_number()) throw JsonError("JSON value is not a number");
  return number_;
}

const std::string& Json::as_string() const {
  if (!is_string()) throw JsonError("JSON value is not a string");
  return string_;
}

const Json::Array& Json::as_array() const {
  if (!is_array()) throw JsonError("JSON value is not an array");
  return *array_;
}

Json::Array& Json::as_array() {
  if (!is_array()) throw JsonError("JSON value is not an array");
  return *array_;
}

const JsonObject& Json::as_object() const {
  if (!is_object()) throw JsonError("JSON value is not an object");
  return *object_;
}

JsonObject& Json::as_object() {
  if (!is_object()) throw JsonError("JSON value is not an object");
  return *object_;
}

Json& Json::operator[](const std::string& key) {
  if (is_null()) *this = object();
  return as_object()[key];
}

Json& Json::operator[](std::size_t index) {
  if (is_null()) *this = array();
  Array& items = as_array();
  if (index >= items.size()) items.resize(index + 1);
  return items[index];
}

const Json& Json::at(const std::string& key) const {
  const Json* found = as_object().get(key);
  if (found == nullptr) throw JsonError("JSON object has no such key");
  return *found;
}

Json& Json::at(const std::string& key) {
  Json* found = as_object().get(key);
  if (found == nullptr) throw JsonError("JSON object has no such key");
  return *found;
}

const Json& Json::at(std::size_t index) const {
  const Array& items = as_array();
  if (index >= items.size()) throw JsonError("JSON array index out of range");
  return items[index];
}

Json& Json::at(std::size_t index) {
  Array& items = as_array();
  if (index >= items.size()) throw JsonError("JSON array index out of range");
  return items[index];
}

bool Json::has_field(const std::string& key) const {
  return is_object() && object_->get(key) != nullptr;
}

bool Json::erase(const std::string& key) {
  return is_object() && object_->erase(key);
}

bool Json::erase(std::size_t index) {
  if (!is_array() || index >= array_->size()) return false;
  array_->erase(array_->begin() + static_cast<std::ptrdiff_t>(index));
  return true;
}

std::size_t Json::size() const {
  if (is_array()) return array_->size();
  if (is_object()) return object_->size();
  return 0;
}

bool operator==(const Json& a, const Json& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Json::Type::kNull:
      return true;
    case Json::Type::kBoolean:
      return a.boolean_ == b.boolean_;
    case Json::Type::kNumber:
      return a.number_ == b.number_;
    case Json::Type::kString:
      return a.string_ == b.string_;
    case Json::Type::kArray:
      return *a.array_ == *b.array_;
    case Json::Type::kObject:
      if (a.object_->size() != b.object_->size()) return false;
      for (const auto& [key, value] : *a.object_) {
        const Json* other = b.object_->get(key);
        if (other == nullptr || !(*other == value)) return false;
      }
      return true;
  }
  return false;
}

namespace {

bool key_less(const JsonObject::Field& f, std::string_view key) {
  return f.first < key;
}

}  // namespace

JsonObject::const_iterator JsonObject::find(std::string_view key) const {
  if (keep_order_) {
    return std::find_if(fields_.begin(), fields_.end(),
                        [key](const Field& f) { return f.first == key; });
  }
  const auto it = std::lower_bound(fields_.begin(), fields_.end(), key, key_less);
  return it != fields_.end() && it->first == key ? it : fields_.end();
}

JsonObject::iterator JsonObject::find(std::string_view key) {
  const auto it = std::as_const(*this).find(key);
  return fields_.begin() + (it - fields_.cbegin());
}

const Json* JsonObject::get(std::string_view key) const {
  const auto it = find(key);
  return it == fields_.end() ? nullptr : &it->second;
}

Json* JsonObject::get(std::string_view key) {
  const auto it = find(key);
  return it == fields_.end() ? nullptr : &it->second;
}

Json& JsonObject::operator[](const std::string& key) {
  if (Json* found = get(key)) return *found;
  if (keep_order_) return fields_.emplace_back(key, Json()).second;
  const auto at = std::lower_bound(fields_.begin(), fields_.end(), key, key_less);
  return fields_.emplace(at, key, Json())->second;
}

bool JsonObject::erase(std::string_view key) {
  const auto it = find(key);
  if (it == fields_.end()) return false;
  fields_.erase(it);
  return true;
}

void JsonObject::append(std::string key, Json value) {
  fields_.emplace_back(std::move(key), std::move(value));
}

void JsonObject::sort() {
  if (keep_order_) return;
  std::stable_sort(fields_.begin(), fields_.end(),
                   [](const Field& a, const Field& b) { return a.first < b.first; });
}

}  // namespace rotor
