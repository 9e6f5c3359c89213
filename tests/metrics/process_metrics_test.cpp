#include "metrics/process_metrics.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace companion::metrics::process {
namespace {

std::optional<Sample> find_sample(const std::vector<Sample>& samples, std::string_view name) {
    for (const auto& sample : samples) {
        if (sample.name == name) return sample;
    }
    return std::nullopt;
}

double collected(std::string_view name) {
    const auto sample = find_sample(collect(), name);
    EXPECT_TRUE(sample.has_value()) << name;
    return sample ? sample->value : std::numeric_limits<double>::quiet_NaN();
}

double process_cpu_seconds() {
    return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

constexpr std::string_view stat_line =
    "16378 (my (odd) ) proc) R 16335 16335 4728 0 -1 4194304 102 0 0 0 250 130 7 9 20 0 1 0 "
    "41689 2998272 397 18446744073709551615 94712963096576 94712963120681 140728226193456 0 0 0 "
    "0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessParseTest, StatGivesCpuTicksAndStartTimeWhateverTheCommandName) {
    const auto stat = parse_stat(stat_line);
    ASSERT_TRUE(stat.has_value());
    EXPECT_EQ(stat->utime_ticks, 250u);
    EXPECT_EQ(stat->stime_ticks, 130u);
    EXPECT_EQ(stat->start_ticks, 41689u);
}

TEST(ProcessParseTest, StatRejectsTruncatedOrMalformedText) {
    EXPECT_FALSE(parse_stat("").has_value());
    EXPECT_FALSE(parse_stat("16378 no parenthesis R 1 2 3").has_value());
    EXPECT_FALSE(parse_stat("16378 (x) R 16335 16335 4728 0 -1 4194304 102 0 0 0 250").has_value());
    EXPECT_FALSE(parse_stat("1 (x) R 1 1 1 0 -1 0 0 0 0 0 2x5 130 0 0 20 0 1 0 9 0 0").has_value());
}

TEST(ProcessParseTest, StatmGivesSizeAndResidentPages) {
    const auto statm = parse_statm("765 418 389 5 0 123 0\n");
    ASSERT_TRUE(statm.has_value());
    EXPECT_EQ(statm->size_pages, 765u);
    EXPECT_EQ(statm->resident_pages, 418u);
    EXPECT_FALSE(parse_statm("765").has_value());
    EXPECT_FALSE(parse_statm("a b c").has_value());
}

TEST(ProcessParseTest, LimitsGiveTheSoftLimitOfOpenFilesOrInfinityWhenUnlimited) {
    const std::string limits =
        "Limit                     Soft Limit           Hard Limit           Units     \n"
        "Max processes             63457                63457                processes \n"
        "Max open files            1024                 524288               files     \n"
        "Max locked memory         8388608              8388608              bytes     \n";
    EXPECT_EQ(parse_max_open_files(limits), 1024.0);
    EXPECT_EQ(parse_max_open_files("Max open files  unlimited  unlimited  files\n"),
              std::numeric_limits<double>::infinity());
    EXPECT_FALSE(parse_max_open_files("Max processes 1 1 processes\n").has_value());
}

TEST(ProcessParseTest, ProcStatGivesTheBootTime) {
    EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5 6\nctxt 77\nbtime 1795655015\nprocesses 9\n"),
              1795655015u);
    EXPECT_FALSE(parse_boot_time("cpu 1 2 3\nctxt 77\n").has_value());
}

TEST(ProcessCollectTest, ReturnsTheSixStandardMetricsWithTheirTypes) {
    const auto samples = collect();
    ASSERT_EQ(samples.size(), metric_names().size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
        EXPECT_EQ(samples[i].name, metric_names()[i]);
        EXPECT_FALSE(samples[i].help.empty());
        const bool counter = samples[i].name == "process_cpu_seconds_total";
        EXPECT_EQ(samples[i].type, counter ? "counter" : "gauge") << samples[i].name;
    }
}

TEST(ProcessCollectTest, ResidentMemoryIsInBytesAndGrowsWhenMemoryIsTouched) {
    constexpr std::size_t size = 64 << 20;
    const double before = collected("process_resident_memory_bytes");
    std::vector<char> block(size, 'x');
    const double after = collected("process_resident_memory_bytes");
    EXPECT_EQ(block[size / 2], 'x');
    EXPECT_GT(after - before, 0.75 * size);
    EXPECT_GE(collected("process_virtual_memory_bytes"), after);
}

TEST(ProcessCollectTest, CpuSecondsFollowTheProcessCpuTime) {
    const double start = process_cpu_seconds();
    volatile double sink = 0;
    while (process_cpu_seconds() - start < 0.3) sink = sink + std::sqrt(sink + 2);
    EXPECT_NEAR(collected("process_cpu_seconds_total"), process_cpu_seconds(), 0.1);
}

TEST(ProcessCollectTest, OpenFdsCountANewlyOpenedFile) {
    const double before = collected("process_open_fds");
    const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const double during = collected("process_open_fds");
    ::close(fd);
    EXPECT_EQ(during, before + 1);
    EXPECT_EQ(collected("process_open_fds"), before);
}

TEST(ProcessCollectTest, MaxFdsIsTheSoftLimit) {
    rlimit limit{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
    const double expected = limit.rlim_cur == RLIM_INFINITY
                                ? std::numeric_limits<double>::infinity()
                                : static_cast<double>(limit.rlim_cur);
    EXPECT_EQ(collected("process_max_fds"), expected);
}

TEST(ProcessCollectTest, StartTimeIsInThePastHourInUnixSeconds) {
    const auto now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const double start = collected("process_start_time_seconds");
    EXPECT_LE(start, now + 2);  // btime is whole seconds
    EXPECT_GT(start, now - 3600);
}

}  // namespace
}  // namespace companion::metrics::process
