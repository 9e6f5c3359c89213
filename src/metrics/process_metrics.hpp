// Internal to metrics/: the standard process_* metrics of Prometheus client libraries, read from
// /proc/self. The parsers take file contents so tests can feed them fixed text.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace companion::metrics::process {

struct Sample {
    std::string_view name;
    std::string_view help;
    std::string_view type;  // "counter" or "gauge"
    double value = 0;
};

// The names collect() may return, in exposition order.
const std::vector<std::string_view>& metric_names();

// Reads /proc/self now. A metric whose source cannot be read or parsed is left out.
std::vector<Sample> collect();

// Fields of /proc/self/stat (proc(5)), in clock ticks.
struct StatFields {
    std::uint64_t utime_ticks = 0;
    std::uint64_t stime_ticks = 0;
    std::uint64_t start_ticks = 0;  // since boot
};
std::optional<StatFields> parse_stat(std::string_view text);

// Fields of /proc/self/statm, in pages.
struct StatmFields {
    std::uint64_t size_pages = 0;
    std::uint64_t resident_pages = 0;
};
std::optional<StatmFields> parse_statm(std::string_view text);

// Soft limit of "Max open files" in /proc/self/limits; +Inf when "unlimited".
std::optional<double> parse_max_open_files(std::string_view text);

// The "btime" line of /proc/stat: boot time in seconds since the epoch.
std::optional<std::uint64_t> parse_boot_time(std::string_view text);

}  // namespace companion::metrics::process
