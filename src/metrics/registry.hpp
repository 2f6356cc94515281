#pragma once
// Prometheus metrics without a client library: counters, gauges and histograms, each a
// family of series told apart by label values, and the text exposition format 0.0.4 that
// /metrics serves. Families are created once at start-up and live as long as the Registry;
// updating a series is thread-safe (one mutex per family: the operator updates a handful of
// series per reconcile, far from contention).
//
// Values computed at scrape time (queue depth, leader status, process figures) are set by
// collectors the registry runs before each exposition.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rotor::metrics {

// Label values, in the order of the family's label names.
using LabelValues = std::vector<std::string>;

class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names);
  virtual ~Family() = default;
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  // Appends HELP, TYPE and every series to `out`.
  void expose(std::string& out) const;

 protected:
  virtual const char* type() const = 0;
  virtual void expose_series(std::string& out) const = 0;  // called with mu_ held
  // `{a="x",b="y"}` with `extra` (e.g. le="0.5") appended; "" when there are no labels.
  std::string label_text(const LabelValues& values, const std::string& extra = "") const;
  void check(const LabelValues& values) const;  // throws on a wrong number of values

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
};

// Only goes up; counts events since the process started.
class Counter final : public Family {
 public:
  using Family::Family;
  void inc(const LabelValues& values = {}, double by = 1);
  double value(const LabelValues& values = {}) const;

 private:
  const char* type() const override { return "counter"; }
  void expose_series(std::string& out) const override;
  std::map<LabelValues, double> series_;
};

// A value that goes up and down.
class Gauge final : public Family {
 public:
  using Family::Family;
  void set(const LabelValues& values, double v);
  void set(double v) { set({}, v); }
  void remove(const LabelValues& values);  // a series for something that is gone
  double value(const LabelValues& values = {}) const;

 private:
  const char* type() const override { return "gauge"; }
  void expose_series(std::string& out) const override;
  std::map<LabelValues, double> series_;
};

// Counts observations into cumulative buckets (upper bounds, ascending; +Inf is implied).
class Histogram final : public Family {
 public:
  Histogram(std::string name, std::string help, std::vector<std::string> label_names,
            std::vector<double> bounds);
  void observe(const LabelValues& values, double v);
  void observe(double v) { observe({}, v); }

 private:
  struct Series {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative; last: above every bound
    double sum = 0;
    std::uint64_t count = 0;
  };
  const char* type() const override { return "histogram"; }
  void expose_series(std::string& out) const override;
  const std::vector<double> bounds_;
  std::map<LabelValues, Series> series_;
};

// Prometheus' default buckets (seconds): 5 ms up to 10 s.
std::vector<double> default_buckets();

class Registry {
 public:
  // Names must be unique in the registry (throws std::invalid_argument otherwise).
  Counter& counter(const std::string& name, const std::string& help,
                   std::vector<std::string> label_names = {});
  Gauge& gauge(const std::string& name, const std::string& help,
               std::vector<std::string> label_names = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<std::string> label_names, std::vector<double> bounds);
  // Run before every exposition, to set gauges from live state.
  void add_collector(std::function<void()> collect);

  // The text exposition format, version 0.0.4.
  std::string expose() const;

 private:
  Family& add(std::unique_ptr<Family> family);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::function<void()>> collectors_;
};

inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Escapes a label value (backslash, double quote, newline) and a HELP text (backslash,
// newline), as the format requires.
std::string escape_label_value(const std::string& v);
std::string escape_help(const std::string& v);
// A sample value: shortest round-trip form, "+Inf", "-Inf", "NaN".
std::string format_value(double v);

}  // namespace rotor::metrics
