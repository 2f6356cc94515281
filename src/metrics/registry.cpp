#include "metrics/registry.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace rotor::metrics {

std::string escape_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::vector<double> default_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Family::Family(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void Family::check(const LabelValues& values) const {
  if (values.size() != label_names_.size())
    throw std::invalid_argument("metric " + name_ + ": wrong number of label values");
}

std::string Family::label_text(const LabelValues& values, const std::string& extra) const {
  if (values.empty() && extra.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += label_names_[i] + "=\"" + escape_label_value(values[i]) + '"';
  }
  if (!extra.empty()) {
    if (!values.empty()) out += ',';
    out += extra;
  }
  return out + "}";
}

void Family::expose(std::string& out) const {
  out += "# HELP " + name_ + ' ' + escape_help(help_) + '\n';
  out += "# TYPE " + name_ + ' ' + type() + '\n';
  std::lock_guard lock(mu_);
  expose_series(out);
}

void Counter::inc(const LabelValues& values, double by) {
  check(values);
  if (by < 0) throw std::invalid_argument("metric " + name_ + ": a counter cannot go down");
  std::lock_guard lock(mu_);
  series_[values] += by;
}

double Counter::value(const LabelValues& values) const {
  std::lock_guard lock(mu_);
  const auto it = series_.find(values);
  return it == series_.end() ? 0 : it->second;
}

void Counter::expose_series(std::string& out) const {
  for (const auto& [values, v] : series_)
    out += name_ + label_text(values) + ' ' + format_value(v) + '\n';
}

void Gauge::set(const LabelValues& values, double v) {
  check(values);
  std::lock_guard lock(mu_);
  series_[values] = v;
}

void Gauge::remove(const LabelValues& values) {
  std::lock_guard lock(mu_);
  series_.erase(values);
}

double Gauge::value(const LabelValues& values) const {
  std::lock_guard lock(mu_);
  const auto it = series_.find(values);
  return it == series_.end() ? 0 : it->second;
}

void Gauge::expose_series(std::string& out) const {
  for (const auto& [values, v] : series_)
    out += name_ + label_text(values) + ' ' + format_value(v) + '\n';
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> bounds)
    : Family(std::move(name), std::move(help), std::move(label_names)), bounds_(std::move(bounds)) {
  for (std::size_t i = 1; i < bounds_.size(); ++i) {
    if (!(bounds_[i - 1] < bounds_[i]))
      throw std::invalid_argument("histogram " + name_ + ": bounds must ascend");
  }
  for (const auto& n : label_names_) {
    if (n == "le") throw std::invalid_argument("histogram " + name_ + ": label \"le\" is reserved");
  }
}

void Histogram::observe(const LabelValues& values, double v) {
  check(values);
  std::lock_guard lock(mu_);
  Series& s = series_[values];
  if (s.counts.empty()) s.counts.assign(bounds_.size() + 1, 0);
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;  // the first bucket with v <= bound
  ++s.counts[i];
  s.sum += v;
  ++s.count;
}

void Histogram::expose_series(std::string& out) const {
  for (const auto& [values, s] : series_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s.counts[i];
      out += name_ + "_bucket" + label_text(values, "le=\"" + format_value(bounds_[i]) + '"') +
             ' ' + std::to_string(cumulative) + '\n';
    }
    out += name_ + "_bucket" + label_text(values, "le=\"+Inf\"") + ' ' + std::to_string(s.count) +
           '\n';
    out += name_ + "_sum" + label_text(values) + ' ' + format_value(s.sum) + '\n';
    out += name_ + "_count" + label_text(values) + ' ' + std::to_string(s.count) + '\n';
  }
}

Family& Registry::add(std::unique_ptr<Family> family) {
  std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    if (f->name() == family->name())
      throw std::invalid_argument("metric " + family->name() + " registered twice");
  }
  families_.push_back(std::move(family));
  return *families_.back();
}

Counter& Registry::counter(const std::string& name, const std::string& help,
                           std::vector<std::string> label_names) {
  return static_cast<Counter&>(add(std::make_unique<Counter>(name, help, std::move(label_names))));
}

Gauge& Registry::gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> label_names) {
  return static_cast<Gauge&>(add(std::make_unique<Gauge>(name, help, std::move(label_names))));
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names, std::vector<double> bounds) {
  return static_cast<Histogram&>(
      add(std::make_unique<Histogram>(name, help, std::move(label_names), std::move(bounds))));
}

void Registry::add_collector(std::function<void()> collect) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string Registry::expose() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  // Outside mu_: a collector sets gauges, which take their own family's lock only.
  for (const auto& c : collectors) c();
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& f : families_) f->expose(out);
  return out;
}

}  // namespace rotor::metrics
