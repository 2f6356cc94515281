#pragma once
// The standard process metrics (the names every Prometheus client library exports), read
// from /proc at scrape time: resident memory, CPU time, start time, open file descriptors.
#include <optional>
#include <string>

#include "metrics/registry.hpp"

namespace rotor::metrics {

struct ProcessStats {
  double resident_memory_bytes = 0;
  double cpu_seconds = 0;         // user + system
  double start_time_seconds = 0;  // since the Unix epoch
  double open_fds = 0;
};

// Parses the texts of /proc/self/stat and /proc/stat (for btime); nullopt when malformed.
std::optional<ProcessStats> parse_proc_stat(const std::string& self_stat,
                                            const std::string& system_stat, long ticks_per_second,
                                            long page_size);
// This process's figures; nullopt where /proc is not readable.
std::optional<ProcessStats> read_process_stats();

// Registers process_* gauges and a collector that refreshes them.
void register_process_metrics(Registry& registry);

}  // namespace rotor::metrics
