#include "metrics/process.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace rotor::metrics {
namespace {

std::string slurp(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::optional<ProcessStats> parse_proc_stat(const std::string& self_stat,
                                            const std::string& system_stat, long ticks_per_second,
                                            long page_size) {
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted
  // from the last ')'.
  const auto close = self_stat.rfind(')');
  if (close == std::string::npos || ticks_per_second <= 0) return std::nullopt;
  std::istringstream fields(self_stat.substr(close + 1));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string s; fields >> s;) f.push_back(s);
  if (f.size() < 22) return std::nullopt;
  double btime = -1;
  std::istringstream lines(system_stat);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("btime ", 0) == 0) btime = std::stod(line.substr(6));
  }
  if (btime < 0) return std::nullopt;
  try {
    ProcessStats s;
    const double ticks = static_cast<double>(ticks_per_second);
    s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;                // utime, stime
    s.start_time_seconds = btime + std::stod(f[19]) / ticks;                      // starttime
    s.resident_memory_bytes = std::stod(f[21]) * static_cast<double>(page_size);  // rss
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<ProcessStats> read_process_stats() {
  auto s = parse_proc_stat(slurp("/proc/self/stat"), slurp("/proc/stat"), sysconf(_SC_CLK_TCK),
                           sysconf(_SC_PAGESIZE));
  if (!s) return s;
  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  s->open_fds = fds;
  return s;
}

void register_process_metrics(Registry& registry) {
  Gauge& rss = registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  // A counter by nature, but its value is read, not counted: exposed as the counter type
  // with the value set at scrape time.
  Counter& cpu = registry.counter("process_cpu_seconds_total",
                                  "Total user and system CPU time spent in seconds.");
  Gauge& start = registry.gauge("process_start_time_seconds",
                                "Start time of the process since unix epoch in seconds.");
  Gauge& fds = registry.gauge("process_open_fds", "Number of open file descriptors.");
  registry.add_collector([&rss, &cpu, &start, &fds] {
    const auto s = read_process_stats();
    if (!s) return;
    rss.set(s->resident_memory_bytes);
    if (const double seen = cpu.value(); s->cpu_seconds > seen) cpu.inc({}, s->cpu_seconds - seen);
    start.set(s->start_time_seconds);
    fds.set(s->open_fds);
  });
}

}  // namespace rotor::metrics
