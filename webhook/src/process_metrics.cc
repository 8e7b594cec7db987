#include "process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <string>
#include <vector>

#include "traceassist/common/file.h"

namespace traceassist::webhook {
namespace {

std::optional<double> ToNumber(std::string_view text) {
  unsigned long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return static_cast<double>(value);
}

std::vector<std::string_view> Fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

// Open descriptors: the entries of /proc/self/fd (the one listing it included, as other clients).
std::optional<double> OpenFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count;
}

}  // namespace

std::optional<ProcessStats> ParseProcStat(std::string_view stat, double boot_time,
                                          long ticks_per_second, long page_size) {
  // The command name (field 2) may hold spaces and parentheses: fields restart after the last ')'.
  const std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  const std::vector<std::string_view> fields = Fields(stat.substr(close + 1));
  // fields[0] is field 3 (state): field N is fields[N - 3].
  if (fields.size() < 22) return std::nullopt;
  const auto utime = ToNumber(fields[11]), stime = ToNumber(fields[12]),
             start = ToNumber(fields[19]), vsize = ToNumber(fields[20]), rss = ToNumber(fields[21]);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  const double ticks = static_cast<double>(ticks_per_second);
  ProcessStats stats;
  stats.cpu_seconds = (*utime + *stime) / ticks;
  stats.start_time_seconds = boot_time + *start / ticks;
  stats.virtual_bytes = *vsize;
  stats.resident_bytes = *rss * static_cast<double>(page_size);
  return stats;
}

std::optional<double> ParseBootTime(std::string_view proc_stat) {
  std::size_t at = 0;
  while (at < proc_stat.size()) {
    const std::size_t end = std::min(proc_stat.find('\n', at), proc_stat.size());
    const std::vector<std::string_view> fields = Fields(proc_stat.substr(at, end - at));
    if (fields.size() == 2 && fields[0] == "btime") return ToNumber(fields[1]);
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<double> ParseMaxOpenFiles(std::string_view limits) {
  constexpr std::string_view kName = "Max open files";
  const std::size_t at = limits.find(kName);
  if (at == std::string_view::npos) return std::nullopt;
  const std::size_t end = std::min(limits.find('\n', at), limits.size());
  const std::vector<std::string_view> fields =
      Fields(limits.substr(at + kName.size(), end - at - kName.size()));
  if (fields.empty()) return std::nullopt;
  return ToNumber(fields[0]);  // the soft limit
}

void AppendProcessMetrics(common::MetricsText& text) {
  std::optional<ProcessStats> stats;
  const auto stat = common::ReadFile("/proc/self/stat");
  // The boot time never changes: /proc/stat (large on big nodes) is read at the first scrape only.
  static const std::optional<double> boot_time = [] {
    const auto proc_stat = common::ReadFile("/proc/stat");
    return proc_stat ? ParseBootTime(*proc_stat) : std::nullopt;
  }();
  if (stat && boot_time) {
    stats = ParseProcStat(*stat, *boot_time, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE));
  }
  if (stats) {
    text.Counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
    text.Sample(stats->cpu_seconds);
    text.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
    text.Sample(stats->resident_bytes);
    text.Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
    text.Sample(stats->virtual_bytes);
    text.Gauge("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.");
    text.Sample(stats->start_time_seconds);
  }
  if (const auto open = OpenFds()) {
    text.Gauge("process_open_fds", "Number of open file descriptors.");
    text.Sample(*open);
  }
  const auto limits = common::ReadFile("/proc/self/limits");
  if (const auto max = limits ? ParseMaxOpenFiles(*limits) : std::nullopt) {
    text.Gauge("process_max_fds", "Maximum number of open file descriptors.");
    text.Sample(*max);
  }
}

}  // namespace traceassist::webhook
