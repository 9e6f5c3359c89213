#include "health/health_monitor.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace companion::health {
namespace {

namespace asio = boost::asio;
using Status = HealthReport::Status;

HealthReport report_of(HealthMonitor& monitor) {
    asio::io_context io;
    auto future = asio::co_spawn(io, monitor.report(), asio::use_future);
    io.run();
    return future.get();
}

HealthMonitor::Probe answering(bool answer, int* calls = nullptr) {
    return [answer, calls]() -> asio::awaitable<bool> {
        if (calls != nullptr) ++*calls;
        co_return answer;
    };
}

TEST(OverallStatus, DatabaseDownIsUnhealthy) {
    EXPECT_EQ(overall_status(false, true, std::nullopt), Status::unhealthy);
    EXPECT_EQ(overall_status(false, true, true), Status::unhealthy);
}

TEST(OverallStatus, LlmOrRedisDownIsDegraded) {
    EXPECT_EQ(overall_status(true, false, std::nullopt), Status::degraded);
    EXPECT_EQ(overall_status(true, true, false), Status::degraded);
}

TEST(OverallStatus, EverythingUpIsHealthy) {
    EXPECT_EQ(overall_status(true, true, std::nullopt), Status::healthy);
    EXPECT_EQ(overall_status(true, true, true), Status::healthy);
}

TEST(HealthMonitor, ReportsEachProbe) {
    HealthMonitor monitor(true);
    monitor.set_database_probe(answering(true));
    monitor.set_llm_probe(answering(false));
    monitor.set_redis_probe(answering(true));
    const auto report = report_of(monitor);
    EXPECT_TRUE(report.database);
    EXPECT_FALSE(report.llm);
    ASSERT_TRUE(report.redis.has_value());
    EXPECT_TRUE(*report.redis);
    EXPECT_EQ(report.status, Status::degraded);
}

TEST(HealthMonitor, DegradationCheckTurnsHealthyIntoDegradedWithoutCaching) {
    HealthMonitor monitor(false, std::chrono::seconds(60));
    monitor.set_database_probe(answering(true));
    monitor.set_llm_probe(answering(true));
    bool degraded = false;
    monitor.set_degradation_check([&degraded] { return degraded; });
    EXPECT_EQ(report_of(monitor).status, Status::healthy);
    degraded = true;  // asked on every report, even while the probes are cached
    EXPECT_EQ(report_of(monitor).status, Status::degraded);
    degraded = false;
    EXPECT_EQ(report_of(monitor).status, Status::healthy);
}

TEST(HealthMonitor, DegradationCheckNeverHidesUnhealthy) {
    HealthMonitor monitor(false);
    monitor.set_database_probe(answering(false));
    monitor.set_llm_probe(answering(true));
    monitor.set_degradation_check([] { return true; });
    EXPECT_EQ(report_of(monitor).status, Status::unhealthy);
}

TEST(HealthMonitor, RedisIsAbsentWhenDisabled) {
    HealthMonitor monitor(false);
    monitor.set_database_probe(answering(true));
    monitor.set_llm_probe(answering(true));
    const auto report = report_of(monitor);
    EXPECT_FALSE(report.redis.has_value());
    EXPECT_EQ(report.status, Status::healthy);
}

TEST(HealthMonitor, EnabledRedisWithoutProbeIsReportedDown) {
    HealthMonitor monitor(true);
    EXPECT_EQ(report_of(monitor).redis, std::optional<bool>(false));
}

TEST(HealthMonitor, CachesReportsWithinTheWindow) {
    int calls = 0;
    HealthMonitor monitor(false, std::chrono::seconds(60));
    monitor.set_database_probe(answering(true, &calls));
    report_of(monitor);
    report_of(monitor);
    report_of(monitor);
    EXPECT_EQ(calls, 1);
}

TEST(HealthMonitor, ProbesAgainAfterTheWindow) {
    int calls = 0;
    HealthMonitor monitor(false, std::chrono::milliseconds(0));
    monitor.set_database_probe(answering(true, &calls));
    report_of(monitor);
    report_of(monitor);
    EXPECT_EQ(calls, 2);
}

TEST(HealthMonitor, UptimeGrows) {
    HealthMonitor monitor(false, std::chrono::seconds(60));
    const auto first = report_of(monitor).uptime_seconds;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_GT(report_of(monitor).uptime_seconds, first);
}

}  // namespace
}  // namespace companion::health
