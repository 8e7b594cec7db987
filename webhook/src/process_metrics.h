// The standard process_* metrics every Prometheus client library exports (CPU seconds, resident and
// virtual memory, open and maximum file descriptors, start time), read from /proc at scrape time.
//
// Thread-safety: pure parsing functions; AppendProcessMetrics reads /proc and may run on any
// thread.
#pragma once

#include <optional>
#include <string_view>

#include "traceassist/common/metrics_text.h"

namespace traceassist::webhook {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system
  double start_time_seconds = 0;  // Unix time
  double resident_bytes = 0;
  double virtual_bytes = 0;
};

// Parses /proc/<pid>/stat: `stat` its text, `boot_time` the btime of /proc/stat (Unix seconds),
// `ticks_per_second` sysconf(_SC_CLK_TCK), `page_size` in bytes. nullopt when the text is not a
// stat line (fewer fields, no closing parenthesis of the command name, non-numeric fields).
std::optional<ProcessStats> ParseProcStat(std::string_view stat, double boot_time,
                                          long ticks_per_second, long page_size);
// The btime line of /proc/stat, or nullopt.
std::optional<double> ParseBootTime(std::string_view proc_stat);
// The soft "Max open files" limit of /proc/<pid>/limits ("unlimited" counts as nullopt).
std::optional<double> ParseMaxOpenFiles(std::string_view limits);

// Adds the process_* gauges and counter for this process; a /proc file that cannot be read leaves
// its metrics out (never a made-up value).
void AppendProcessMetrics(common::MetricsText& text);

}  // namespace traceassist::webhook
