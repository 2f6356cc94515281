#pragma once
// Structured logging: a message plus key/value fields, written as one JSON object or one
// `key=value` text line per event. There is deliberately no overload that takes a Secret:
// a password cannot be passed here without calling reveal(), which review catches.
#include <initializer_list>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace rotor {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

using LogField = std::pair<std::string, std::string>;

class Logger {
 public:
  explicit Logger(std::ostream& out, LogFormat format = LogFormat::kText,
                  LogLevel min = LogLevel::kInfo)
      : out_(&out), format_(format), min_(min) {}

  void log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
  void log(LogLevel level, std::string_view msg, const std::vector<LogField>& fields);
  void debug(std::string_view msg, std::initializer_list<LogField> f = {}) {
    log(LogLevel::kDebug, msg, f);
  }
  void info(std::string_view msg, std::initializer_list<LogField> f = {}) {
    log(LogLevel::kInfo, msg, f);
  }
  void warn(std::string_view msg, std::initializer_list<LogField> f = {}) {
    log(LogLevel::kWarn, msg, f);
  }
  void error(std::string_view msg, std::initializer_list<LogField> f = {}) {
    log(LogLevel::kError, msg, f);
  }

  void set_format(LogFormat f) { format_ = f; }
  void set_level(LogLevel l) { min_ = l; }

 private:
  std::mutex mu_;
  std::ostream* out_;
  LogFormat format_;
  LogLevel min_;
};

// The process-wide logger (stderr, text, info) that binaries configure from their flags.
Logger& default_logger();

// JSON string escaping, shared by the logger and anything that writes JSON by hand.
std::string json_escape(std::string_view s);

}  // namespace rotor
