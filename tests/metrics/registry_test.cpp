#include "metrics/registry.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace companion::metrics {
namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

std::string gauge_exposition(double value) {
    Registry registry;
    registry.gauge("value", "").with({}).set(value);
    return registry.expose();
}

// ---- series ----

TEST(CounterTest, StartsAtZeroAndAddsIncrements) {
    Counter counter;
    EXPECT_EQ(counter.value(), 0);
    counter.inc();
    counter.inc(2.5);
    EXPECT_EQ(counter.value(), 3.5);
}

TEST(CounterTest, IgnoresNegativeAndNaNIncrements) {
    Counter counter;
    counter.inc(2);
    counter.inc(-1);
    counter.inc(std::numeric_limits<double>::quiet_NaN());
    EXPECT_EQ(counter.value(), 2);
}

TEST(GaugeTest, SetsIncrementsAndDecrements) {
    Gauge gauge;
    gauge.set(5);
    gauge.inc();
    gauge.dec(2.5);
    EXPECT_EQ(gauge.value(), 3.5);
    gauge.dec(10);
    EXPECT_EQ(gauge.value(), -6.5);
}

TEST(HistogramTest, CountsAValueEqualToABoundInThatBoundsBucket) {
    Histogram histogram({0.005, 1, 2.5});
    histogram.observe(0.005);
    histogram.observe(1);
    const auto snapshot = histogram.snapshot();
    EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{1, 2, 2, 2}));
}

TEST(HistogramTest, SnapshotIsCumulativeWithInfLastEqualToCountAndKeepsTheSum) {
    Histogram histogram({1, 2, 4});
    for (const double value : {0.5, 1.5, 1.75, 3.0, 100.0}) histogram.observe(value);
    const auto snapshot = histogram.snapshot();
    EXPECT_EQ(snapshot.upper_bounds, (std::vector<double>{1, 2, 4}));
    EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{1, 3, 4, 5}));
    EXPECT_EQ(snapshot.count, 5u);
    EXPECT_EQ(snapshot.sum, 106.75);
}

TEST(HistogramTest, PutsNaNAndValuesAboveTheLastBoundInTheInfBucketOnly) {
    Histogram histogram({1});
    histogram.observe(std::numeric_limits<double>::quiet_NaN());
    histogram.observe(std::numeric_limits<double>::infinity());
    histogram.observe(2);
    EXPECT_EQ(histogram.snapshot().cumulative, (std::vector<std::uint64_t>{0, 3}));
}

TEST(HistogramTest, RejectsBoundsNotStrictlyIncreasingOrNotFinite) {
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& bounds : std::vector<std::vector<double>>{
             {1, 1}, {2, 1}, {1, inf}, {-inf, 1}, {nan}, {0.5, nan, 1}}) {
        EXPECT_THROW(Histogram{bounds}, std::invalid_argument);
        Registry registry;
        EXPECT_THROW(registry.histogram("h", "h", {}, bounds), std::invalid_argument);
    }
    EXPECT_NO_THROW(Histogram({}));
}

TEST(HistogramTest, DefaultLatencyBucketsGoFromHalfAMillisecondToTenSeconds) {
    EXPECT_EQ(default_latency_buckets(),
              (std::vector<double>{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                   1, 2.5, 5, 10}));
}

// ---- exposition ----

TEST(ExpositionTest, WritesTheTextFormatExactly) {
    Registry registry;
    auto& requests =
        registry.counter("http_requests_total", "HTTP requests.", {"method", "status"});
    auto& in_progress = registry.gauge("http_requests_in_progress", "Requests being handled.");
    auto& latency = registry.histogram("http_request_duration_seconds", "Time to answer.",
                                       {"endpoint"}, {0.005, 1, 2.5});
    requests.with({"POST", "200"}).inc(3);
    requests.with({"GET", "200"}).inc();
    in_progress.with({}).set(2);
    for (const double seconds : {0.5, 1.0, 2.0, 7.0}) latency.with({"/chat"}).observe(seconds);

    EXPECT_EQ(registry.expose(),
              "# HELP http_requests_total HTTP requests.\n"
              "# TYPE http_requests_total counter\n"
              "http_requests_total{method=\"GET\",status=\"200\"} 1\n"
              "http_requests_total{method=\"POST\",status=\"200\"} 3\n"
              "# HELP http_requests_in_progress Requests being handled.\n"
              "# TYPE http_requests_in_progress gauge\n"
              "http_requests_in_progress 2\n"
              "# HELP http_request_duration_seconds Time to answer.\n"
              "# TYPE http_request_duration_seconds histogram\n"
              "http_request_duration_seconds_bucket{endpoint=\"/chat\",le=\"0.005\"} 0\n"
              "http_request_duration_seconds_bucket{endpoint=\"/chat\",le=\"1\"} 2\n"
              "http_request_duration_seconds_bucket{endpoint=\"/chat\",le=\"2.5\"} 3\n"
              "http_request_duration_seconds_bucket{endpoint=\"/chat\",le=\"+Inf\"} 4\n"
              "http_request_duration_seconds_sum{endpoint=\"/chat\"} 10.5\n"
              "http_request_duration_seconds_count{endpoint=\"/chat\"} 4\n");
}

TEST(ExpositionTest, UnlabelledFamiliesShowOneSeriesAtZeroFromRegistration) {
    Registry registry;
    registry.counter("memory_retrievals_total", "Retrievals.");
    registry.histogram("wait_seconds", "Waits.", {}, {1});
    EXPECT_EQ(registry.expose(),
              "# HELP memory_retrievals_total Retrievals.\n"
              "# TYPE memory_retrievals_total counter\n"
              "memory_retrievals_total 0\n"
              "# HELP wait_seconds Waits.\n"
              "# TYPE wait_seconds histogram\n"
              "wait_seconds_bucket{le=\"1\"} 0\n"
              "wait_seconds_bucket{le=\"+Inf\"} 0\n"
              "wait_seconds_sum 0\n"
              "wait_seconds_count 0\n");
}

TEST(ExpositionTest, LabelledFamilyShowsOnlyHelpAndTypeUntilASeriesExists) {
    Registry registry;
    registry.counter("llm_requests_total", "LLM calls.", {"status"});
    EXPECT_EQ(registry.expose(),
              "# HELP llm_requests_total LLM calls.\n"
              "# TYPE llm_requests_total counter\n");
}

TEST(ExpositionTest, OmitsTheHelpLineWhenHelpIsEmpty) {
    EXPECT_EQ(gauge_exposition(1), "# TYPE value gauge\nvalue 1\n");
}

TEST(ExpositionTest, EscapesBackslashQuoteAndNewlineInLabelValues) {
    Registry registry;
    registry.counter("c_total", "c", {"path"}).with({"a\\b\"c\nd"}).inc();
    EXPECT_NE(registry.expose().find("c_total{path=\"a\\\\b\\\"c\\nd\"} 1\n"), std::string::npos);
}

TEST(ExpositionTest, EscapesBackslashAndNewlineButNotQuotesInHelp) {
    Registry registry;
    registry.gauge("g", "say \"hi\"\\now\nthen");
    EXPECT_NE(registry.expose().find("# HELP g say \"hi\"\\\\now\\nthen\n"), std::string::npos);
}

TEST(ExpositionTest, PrintsWholeNumbersWithoutDecimalsAndOthersInShortestRoundTripForm) {
    EXPECT_EQ(gauge_exposition(3), "# TYPE value gauge\nvalue 3\n");
    EXPECT_EQ(gauge_exposition(-2), "# TYPE value gauge\nvalue -2\n");
    EXPECT_EQ(gauge_exposition(-0.0), "# TYPE value gauge\nvalue 0\n");
    EXPECT_EQ(gauge_exposition(1e15), "# TYPE value gauge\nvalue 1000000000000000\n");
    EXPECT_EQ(gauge_exposition(9007199254740992.0), "# TYPE value gauge\nvalue 9007199254740992\n");
    EXPECT_EQ(gauge_exposition(0.1), "# TYPE value gauge\nvalue 0.1\n");
    EXPECT_EQ(gauge_exposition(1.0 / 3), "# TYPE value gauge\nvalue 0.3333333333333333\n");
    EXPECT_EQ(gauge_exposition(12345.625), "# TYPE value gauge\nvalue 12345.625\n");
    // Exponent from 1e6 on for fractions, as Go's strconv.FormatFloat(v, 'g', -1, 64) does.
    EXPECT_EQ(gauge_exposition(123456789.25), "# TYPE value gauge\nvalue 1.2345678925e+08\n");
    EXPECT_EQ(gauge_exposition(0.0005), "# TYPE value gauge\nvalue 0.0005\n");
    EXPECT_EQ(gauge_exposition(1e-7), "# TYPE value gauge\nvalue 1e-07\n");
    EXPECT_EQ(gauge_exposition(1e20), "# TYPE value gauge\nvalue 1e+20\n");
}

TEST(ExpositionTest, PrintsInfinitiesAndNaNAsPrometheusSpellsThem) {
    EXPECT_EQ(gauge_exposition(std::numeric_limits<double>::infinity()),
              "# TYPE value gauge\nvalue +Inf\n");
    EXPECT_EQ(gauge_exposition(-std::numeric_limits<double>::infinity()),
              "# TYPE value gauge\nvalue -Inf\n");
    EXPECT_EQ(gauge_exposition(std::numeric_limits<double>::quiet_NaN()),
              "# TYPE value gauge\nvalue NaN\n");
}

TEST(ExpositionTest, FormatsBucketBoundsLikeValues) {
    Registry registry;
    registry.histogram("h", "h", {}, {1e-9, 0.0005, 0.005, 1, 2.5, 10});
    const auto text = registry.expose();
    for (const char* le : {"1e-09", "0.0005", "0.005", "1", "2.5", "10", "+Inf"}) {
        EXPECT_NE(text.find(std::string("h_bucket{le=\"") + le + "\"}"), std::string::npos) << le;
    }
}

TEST(ExpositionTest, SortsSeriesByLabelValuesWhateverTheCreationOrder) {
    Registry registry;
    auto& family = registry.counter("c_total", "c", {"a", "b"});
    for (const auto& values :
         std::vector<std::vector<std::string>>{{"y", "1"}, {"x", "2"}, {"y", "0"}, {"x", "10"}}) {
        family.with(values).inc();
    }
    const auto text = registry.expose();
    const auto x10 = text.find("a=\"x\",b=\"10\"");
    const auto x2 = text.find("a=\"x\",b=\"2\"");
    const auto y0 = text.find("a=\"y\",b=\"0\"");
    const auto y1 = text.find("a=\"y\",b=\"1\"");
    ASSERT_NE(y1, std::string::npos);
    EXPECT_LT(x10, x2);
    EXPECT_LT(x2, y0);
    EXPECT_LT(y0, y1);
}

TEST(ExpositionTest, ListsFamiliesInRegistrationOrderWithProcessMetricsLast) {
    Registry registry;
    registry.enable_process_metrics();
    registry.gauge("zeta", "z");
    registry.counter("alpha_total", "a");
    const auto text = registry.expose();
    const auto zeta = text.find("# TYPE zeta gauge");
    const auto alpha = text.find("# TYPE alpha_total counter");
    const auto process = text.find("# TYPE process_");
    ASSERT_NE(process, std::string::npos);
    EXPECT_LT(zeta, alpha);
    EXPECT_LT(alpha, process);
    EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE process_resident_memory_bytes gauge\n"), std::string::npos);
    EXPECT_EQ(text.back(), '\n');
}

TEST(ExpositionTest, EmptyRegistryExposesNothing) {
    Registry registry;
    EXPECT_EQ(registry.expose(), "");
}

// ---- registration and lookup ----

TEST(RegistryTest, RejectsMetricNamesOutsidePrometheusGrammar) {
    Registry registry;
    for (const char* name : {"", "1abc", "a-b", "a b", "caf\xc3\xa9", "a.b"}) {
        EXPECT_THROW(registry.counter(name, "x"), std::invalid_argument) << name;
    }
    EXPECT_NO_THROW(registry.counter("job:http_requests:rate5m", "x"));
    EXPECT_NO_THROW(registry.gauge("_Private9", "x"));
}

TEST(RegistryTest, RejectsInvalidReservedOrDuplicateLabelNames) {
    Registry registry;
    const std::vector<std::vector<std::string>> bad = {{"1a"},       {"a:b"}, {"a-b"}, {""},
                                                       {"__name__"}, {"__x"}, {"le"},  {"a", "a"}};
    for (const auto& labels : bad) {
        EXPECT_THROW(registry.counter("c_total", "c", labels), std::invalid_argument);
        EXPECT_THROW(registry.histogram("h", "h", labels), std::invalid_argument);
    }
    EXPECT_NO_THROW(registry.gauge("g", "g", {"_a", "B9", "method"}));
}

TEST(RegistryTest, WithThrowsOnTheWrongNumberOfLabelValues) {
    Registry registry;
    auto& family = registry.counter("c_total", "c", {"a", "b"});
    EXPECT_THROW(family.with({"x"}), std::invalid_argument);
    EXPECT_THROW(family.with({"x", "y", "z"}), std::invalid_argument);
    EXPECT_THROW(registry.gauge("g", "g").with({"x"}), std::invalid_argument);
}

TEST(RegistryTest, SameNameTypeAndLabelsReturnsTheSameFamily) {
    Registry registry;
    auto& first = registry.counter("c_total", "c", {"a"});
    auto& second = registry.counter("c_total", "other help", {"a"});
    EXPECT_EQ(&first, &second);
    auto& histogram = registry.histogram("h", "h");
    EXPECT_EQ(&histogram, &registry.histogram("h", "h"));
}

TEST(RegistryTest, SameNameWithAnotherTypeLabelsOrBucketsThrows) {
    Registry registry;
    registry.counter("c_total", "c", {"a"});
    registry.histogram("h", "h", {}, {1, 2});
    EXPECT_THROW(registry.gauge("c_total", "c", {"a"}), std::invalid_argument);
    EXPECT_THROW(registry.counter("c_total", "c", {"b"}), std::invalid_argument);
    EXPECT_THROW(registry.counter("c_total", "c"), std::invalid_argument);
    EXPECT_THROW(registry.histogram("h", "h", {}, {1, 3}), std::invalid_argument);
}

TEST(RegistryTest, NamesThatWouldPrintTheSameSampleNameThrow) {
    Registry registry;
    registry.histogram("latency", "l");
    EXPECT_THROW(registry.counter("latency_count", "c"), std::invalid_argument);
    registry.gauge("queue_sum", "q");
    EXPECT_THROW(registry.histogram("queue", "q"), std::invalid_argument);
}

TEST(RegistryTest, ProcessMetricsAreEnabledOnceAndTheirNamesAreReserved) {
    Registry registry;
    registry.enable_process_metrics();
    EXPECT_NO_THROW(registry.enable_process_metrics());
    EXPECT_EQ(count_of(registry.expose(), "# TYPE process_open_fds gauge"), 1u);
    EXPECT_THROW(registry.gauge("process_open_fds", "x"), std::invalid_argument);

    Registry other;
    other.counter("process_cpu_seconds_total", "x");
    EXPECT_THROW(other.enable_process_metrics(), std::invalid_argument);
}

TEST(RegistryTest, WithReturnsTheSameSeriesForTheSameValuesFromEitherOverload) {
    Registry registry;
    auto& family = registry.counter("c_total", "c", {"a", "b"});
    auto& series = family.with({"x", "y"});
    EXPECT_EQ(&series, &family.with(std::vector<std::string>{"x", "y"}));
    EXPECT_NE(&series, &family.with({"y", "x"}));
}

TEST(RegistryTest, DistinctLabelValueListsNeverShareASeries) {
    Registry registry;
    auto& family = registry.counter("c_total", "c", {"a", "b"});
    EXPECT_NE(&family.with({"1:x", ""}), &family.with({"1", "x"}));
    EXPECT_NE(&family.with({"ab", ""}), &family.with({"a", "b"}));
    EXPECT_NE(&family.with({"", "ab"}), &family.with({"ab", ""}));
}

TEST(RegistryTest, SeriesReferencesStayValidWhileTheFamilyGrows) {
    Registry registry;
    auto& family = registry.gauge("g", "g", {"id"});
    auto& first = family.with({"first"});
    first.set(42);
    for (int i = 0; i < 20000; ++i) family.with({std::to_string(i)});
    EXPECT_EQ(&first, &family.with({"first"}));
    EXPECT_EQ(first.value(), 42);
}

TEST(RegistryTest, DefaultRegistryIsOneInstance) {
    EXPECT_EQ(&default_registry(), &default_registry());
}

// ---- concurrency ----

TEST(ConcurrencyTest, ConcurrentUpdatesOfSharedAndOwnSeriesAreExact) {
    constexpr int thread_count = 8;
    constexpr int iterations = 20000;
    Registry registry;
    auto& events = registry.counter("events_total", "e", {"worker"});
    auto& work = registry.histogram("work_seconds", "w", {"kind"}, {0.5, 1});
    auto& busy = registry.gauge("busy", "b");
    std::atomic<bool> done{false};
    std::thread exposer([&] {
        while (!done.load()) registry.expose();
    });
    std::vector<std::thread> workers;
    for (int t = 0; t < thread_count; ++t) {
        workers.emplace_back([&, t] {
            auto& own = events.with({std::to_string(t)});
            for (int i = 0; i < iterations; ++i) {
                events.with({"shared"}).inc();
                own.inc(2);
                work.with({i % 2 == 0 ? "even" : "odd"}).observe(0.75);
                busy.with({}).inc();
                busy.with({}).dec();
            }
        });
    }
    for (auto& worker : workers) worker.join();
    done = true;
    exposer.join();

    EXPECT_EQ(events.with({"shared"}).value(), thread_count * iterations);
    for (int t = 0; t < thread_count; ++t) {
        EXPECT_EQ(events.with({std::to_string(t)}).value(), 2.0 * iterations);
    }
    for (const char* kind : {"even", "odd"}) {
        const auto snapshot = work.with({kind}).snapshot();
        const std::uint64_t expected = thread_count * iterations / 2;
        EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{0, expected, expected}));
        EXPECT_EQ(snapshot.sum, 0.75 * static_cast<double>(expected));
    }
    EXPECT_EQ(busy.with({}).value(), 0);
}

TEST(ConcurrencyTest, ConcurrentFirstLookupsOfNewLabelValuesCreateOneSeriesEach) {
    constexpr int thread_count = 8;
    constexpr int series_count = 2000;
    Registry registry;
    auto& family = registry.counter("c_total", "c", {"id"});
    std::vector<std::vector<Counter*>> seen(thread_count, std::vector<Counter*>(series_count));
    std::vector<std::thread> workers;
    for (int t = 0; t < thread_count; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < series_count; ++i) {
                seen[t][i] = &family.with({std::to_string(i)});
                seen[t][i]->inc();
            }
        });
    }
    for (auto& worker : workers) worker.join();
    for (int t = 1; t < thread_count; ++t) EXPECT_EQ(seen[t], seen[0]);
    for (int i = 0; i < series_count; ++i) ASSERT_EQ(seen[0][i]->value(), thread_count);
    EXPECT_EQ(count_of(registry.expose(), "c_total{id="), static_cast<std::size_t>(series_count));
}

// ---- promtool ----

struct CommandResult {
    int exit_code = -1;
    std::string output;
};

CommandResult run_command(const std::string& command) {
    CommandResult result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 4096> buffer{};
    while (const auto read = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
        result.output.append(buffer.data(), read);
    }
    const int status = pclose(pipe);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
}

TEST(PromtoolTest, AcceptsTheExpositionOfRealisticMetricsWithoutLintFindings) {
    if (run_command("command -v promtool >/dev/null 2>&1").exit_code != 0) {
        FAIL() << "promtool not found on PATH: install the Debian package `prometheus` "
                  "(the project's dependency script installs it)";
    }
    Registry registry;
    auto& requests = registry.counter("http_requests_total", "HTTP requests handled.",
                                      {"method", "endpoint", "status"});
    auto& duration = registry.histogram("http_request_duration_seconds",
                                        "Time to answer an HTTP request.", {"endpoint"});
    auto& in_progress = registry.gauge("http_requests_in_progress", "HTTP requests being handled.");
    auto& llm = registry.counter("llm_requests_total", "Calls to the LLM server.", {"status"});
    auto& retrievals = registry.counter("memory_retrievals_total", "Long-term memory lookups.");
    registry.enable_process_metrics();

    requests.with({"POST", "/api/v1/chat", "200"}).inc(3);
    requests.with({"GET", "/health", "200"}).inc();
    requests.with({"GET", "/odd\\path\"with\nescapes", "404"}).inc();
    for (const double seconds : {0.0004, 0.003, 0.2, 12.0}) {
        duration.with({"/api/v1/chat"}).observe(seconds);
    }
    in_progress.with({}).set(1);
    llm.with({"ok"}).inc();
    llm.with({"timeout"}).inc();
    retrievals.with({}).inc(7);

    const auto path = std::filesystem::temp_directory_path() /
                      ("companion_metrics_" + std::to_string(getpid()) + ".prom");
    std::ofstream(path) << registry.expose();
    const auto result = run_command("promtool check metrics < '" + path.string() + "' 2>&1");
    std::filesystem::remove(path);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output, "");
}

}  // namespace
}  // namespace companion::metrics
