#include "util/log.hpp"

#include <iostream>

#include "util/clock.hpp"

namespace rotor {
namespace {

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

}  // namespace

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
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
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out;
}

void Logger::log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  log(level, msg, std::vector<LogField>(fields));
}

void Logger::log(LogLevel level, std::string_view msg, const std::vector<LogField>& fields) {
  if (level < min_) return;
  const std::string ts = format_rfc3339(std::chrono::system_clock::now());
  std::string line;
  if (format_ == LogFormat::kJson) {
    line = "{\"ts\":\"" + ts + "\",\"level\":\"" + level_name(level) + "\",\"msg\":\"" +
           json_escape(msg) + "\"";
    for (const auto& [k, v] : fields)
      line += ",\"" + json_escape(k) + "\":\"" + json_escape(v) + "\"";
    line += "}\n";
  } else {
    line = ts + " " + level_name(level) + " " + std::string(msg);
    for (const auto& [k, v] : fields) {
      line += " " + k + "=";
      line += needs_quotes(v) ? "\"" + json_escape(v) + "\"" : v;
    }
    line += "\n";
  }
  std::lock_guard lock(mu_);
  *out_ << line << std::flush;
}

Logger& default_logger() {
  static Logger logger(std::cerr);
  return logger;
}

}  // namespace rotor
