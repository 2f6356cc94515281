// Serialising a Json: compact, members in the object's order, strings escaped as JSON
// requires (UTF-8 passes through), doubles as "%.17g".
#include <cmath>
#include <cstdio>

#include "util/json.hpp"

namespace rotor {
namespace {

void write_string(const std::string& s, std::string& out) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void write_number(const JsonNumber& n, std::string& out) {
  switch (n.kind()) {
    case JsonNumber::Kind::kSigned:
      out += std::to_string(n.to_int64());
      return;
    case JsonNumber::Kind::kUnsigned:
      out += std::to_string(n.to_uint64());
      return;
    case JsonNumber::Kind::kDouble:
      break;
  }
  const double d = n.to_double();
  if (!std::isfinite(d)) {
    out += "null";  // JSON has no infinities
    return;
  }
  char text[32];
  const int len = std::snprintf(text, sizeof text, "%.17g", d);
  out.append(text, static_cast<std::size_t>(len));
}

}  // namespace

void Json::serialize_to(std::string& out) const {
  switch (type_) {
    case Type::kNull:
      out += "null";
      return;
    case Type::kBoolean:
      out += boolean_ ? "true" : "false";
      return;
    case Type::kNumber:
      write_number(number_, out);
      return;
    case Type::kString:
      write_string(string_, out);
      return;
    case Type::kArray: {
      out += '[';
      bool first = true;
      for (const Json& item : *array_) {
        if (!first) out += ',';
        first = false;
        item.serialize_to(out);
      }
      out += ']';
      return;
    }
    case Type::kObject: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : *object_) {
        if (!first) out += ',';
        first = false;
        write_string(key, out);
        out += ':';
        value.serialize_to(out);
      }
      out += '}';
      return;
    }
  }
}

std::string Json::serialize() const {
  std::string out;
  serialize_to(out);
  return out;
}

}  // namespace rotor
