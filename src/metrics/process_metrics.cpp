#include "metrics/process_metrics.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>

namespace companion::metrics::process {
namespace {

constexpr std::string_view resident_memory = "process_resident_memory_bytes";
constexpr std::string_view virtual_memory = "process_virtual_memory_bytes";
constexpr std::string_view cpu_seconds = "process_cpu_seconds_total";
constexpr std::string_view open_fds = "process_open_fds";
constexpr std::string_view max_fds = "process_max_fds";
constexpr std::string_view start_time = "process_start_time_seconds";

std::vector<std::string_view> split_whitespace(std::string_view text) {
    std::vector<std::string_view> fields;
    constexpr std::string_view blanks = " \t\n\r";
    auto begin = text.find_first_not_of(blanks);
    while (begin != std::string_view::npos) {
        const auto end = text.find_first_of(blanks, begin);
        fields.push_back(text.substr(begin, end - begin));
        begin = text.find_first_not_of(blanks, end);
    }
    return fields;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The line that starts with `prefix`, without the prefix.
std::optional<std::string_view> line_after(std::string_view text, std::string_view prefix) {
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const auto line = text.substr(0, newline);
        if (line.starts_with(prefix)) return line.substr(prefix.size());
        if (newline == std::string_view::npos) break;
        text.remove_prefix(newline + 1);
    }
    return std::nullopt;
}

std::optional<std::string> read_file(const char* path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return std::move(text).str();
}

// Counted like the Go and Python clients do: the entries of /proc/self/fd, which include the
// descriptor used to list them.
std::optional<double> count_open_fds() {
    std::error_code error;
    std::filesystem::directory_iterator it("/proc/self/fd", error);
    std::size_t count = 0;
    for (; !error && it != std::filesystem::directory_iterator{}; it.increment(error)) ++count;
    if (error) return std::nullopt;
    return static_cast<double>(count);
}

void add(std::vector<Sample>& samples, std::string_view name, std::string_view help,
         std::string_view type, double value) {
    samples.push_back(Sample{name, help, type, value});
}

void add_memory(std::vector<Sample>& samples, double page_size) {
    const auto text = read_file("/proc/self/statm");
    const auto statm = text ? parse_statm(*text) : std::nullopt;
    if (!statm) return;
    add(samples, resident_memory, "Resident memory size in bytes.", "gauge",
        static_cast<double>(statm->resident_pages) * page_size);
    add(samples, virtual_memory, "Virtual memory size in bytes.", "gauge",
        static_cast<double>(statm->size_pages) * page_size);
}

void add_cpu(std::vector<Sample>& samples, const std::optional<StatFields>& stat, double ticks) {
    if (!stat) return;
    add(samples, cpu_seconds, "Total user and system CPU time spent in seconds.", "counter",
        static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks);
}

void add_fds(std::vector<Sample>& samples) {
    if (const auto count = count_open_fds()) {
        add(samples, open_fds, "Number of open file descriptors.", "gauge", *count);
    }
    const auto limits = read_file("/proc/self/limits");
    if (const auto max = limits ? parse_max_open_files(*limits) : std::nullopt) {
        add(samples, max_fds, "Maximum number of open file descriptors.", "gauge", *max);
    }
}

void add_start_time(std::vector<Sample>& samples, const std::optional<StatFields>& stat,
                    double ticks) {
    const auto text = read_file("/proc/stat");
    const auto boot = text ? parse_boot_time(*text) : std::nullopt;
    if (!stat || !boot) return;
    add(samples, start_time, "Start time of the process since unix epoch in seconds.", "gauge",
        static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / ticks);
}

}  // namespace

const std::vector<std::string_view>& metric_names() {
    static const std::vector<std::string_view> names = {
        resident_memory, virtual_memory, cpu_seconds, open_fds, max_fds, start_time};
    return names;
}

std::vector<Sample> collect() {
    const long ticks = sysconf(_SC_CLK_TCK);
    const long page_size = sysconf(_SC_PAGESIZE);
    const auto stat_text = read_file("/proc/self/stat");
    const auto stat = stat_text ? parse_stat(*stat_text) : std::nullopt;

    std::vector<Sample> samples;
    if (page_size > 0) add_memory(samples, static_cast<double>(page_size));
    if (ticks > 0) add_cpu(samples, stat, static_cast<double>(ticks));
    add_fds(samples);
    if (ticks > 0) add_start_time(samples, stat, static_cast<double>(ticks));
    return samples;
}

std::optional<StatFields> parse_stat(std::string_view text) {
    // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
    const auto close = text.rfind(')');
    if (close == std::string_view::npos) return std::nullopt;
    const auto fields = split_whitespace(text.substr(close + 1));
    // fields[0] is field 3 of proc(5) (state).
    constexpr std::size_t utime = 14 - 3;
    constexpr std::size_t stime = 15 - 3;
    constexpr std::size_t starttime = 22 - 3;
    if (fields.size() <= starttime) return std::nullopt;
    const auto user = parse_u64(fields[utime]);
    const auto system = parse_u64(fields[stime]);
    const auto start = parse_u64(fields[starttime]);
    if (!user || !system || !start) return std::nullopt;
    return StatFields{*user, *system, *start};
}

std::optional<StatmFields> parse_statm(std::string_view text) {
    const auto fields = split_whitespace(text);
    if (fields.size() < 2) return std::nullopt;
    const auto size = parse_u64(fields[0]);
    const auto resident = parse_u64(fields[1]);
    if (!size || !resident) return std::nullopt;
    return StatmFields{*size, *resident};
}

std::optional<double> parse_max_open_files(std::string_view text) {
    const auto rest = line_after(text, "Max open files");
    if (!rest) return std::nullopt;
    const auto fields = split_whitespace(*rest);
    if (fields.empty()) return std::nullopt;
    if (fields[0] == "unlimited") return std::numeric_limits<double>::infinity();
    const auto soft = parse_u64(fields[0]);
    if (!soft) return std::nullopt;
    return static_cast<double>(*soft);
}

std::optional<std::uint64_t> parse_boot_time(std::string_view text) {
    const auto rest = line_after(text, "btime ");
    if (!rest) return std::nullopt;
    const auto fields = split_whitespace(*rest);
    if (fields.empty()) return std::nullopt;
    return parse_u64(fields[0]);
}

}  // namespace companion::metrics::process
