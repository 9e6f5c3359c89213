#include "health/health_monitor.hpp"

namespace companion::health {

namespace asio = boost::asio;


std::string_view to_string(HealthReport::Status status) {
    switch (status) {
        case HealthReport::Status::healthy: return "healthy";
        case HealthReport::Status::degraded: return "degraded";
        case HealthReport::Status::unhealthy: return "unhealthy";
    }
    return "unhealthy";
}

HealthReport::Status overall_status(bool database, bool llm, std::optional<bool> redis) {
    if (!database) return HealthReport::Status::unhealthy;
    if (!llm || (redis.has_value() && !*redis)) return HealthReport::Status::degraded;
    return HealthReport::Status::healthy;
}

HealthMonitor::HealthMonitor(bool redis_enabled, std::chrono::milliseconds cache_for)
    : redis_enabled_(redis_enabled), cache_for_(cache_for) {}

asio::awaitable<HealthReport> HealthMonitor::probe_all() {
    HealthReport report;
    // Plain ifs: g++ 12 miscompiles co_await inside a conditional expression.
    if (database_probe_) report.database = co_await database_probe_();
    if (llm_probe_) report.llm = co_await llm_probe_();
    if (redis_enabled_) {
        report.redis = false;
        if (redis_probe_) report.redis = co_await redis_probe_();
    }
    report.status = overall_status(report.database, report.llm, report.redis);
    co_return report;
}

asio::awaitable<HealthReport> HealthMonitor::report() {
    const auto now = std::chrono::steady_clock::now();
    bool refresh = false;
    std::optional<HealthReport> report;
    {
        std::lock_guard lock(mutex_);
        const bool fresh = cached_ && now - cached_at_ < cache_for_;
        if (!fresh && !refreshing_) {
            refreshing_ = true;
            refresh = true;
        } else if (cached_) {
            report = cached_;
        }
    }
    if (!report && !refresh) {
        // The very first report is still being made elsewhere: make one of our own.
        report = co_await probe_all();
    }
    if (refresh) {
        try {
            report = co_await probe_all();
        } catch (...) {
            std::lock_guard lock(mutex_);
            refreshing_ = false;
            throw;
        }
        std::lock_guard lock(mutex_);
        cached_ = report;
        cached_at_ = std::chrono::steady_clock::now();
        refreshing_ = false;
    }
    if (degradation_check_ && report->status == HealthReport::Status::healthy &&
        degradation_check_()) {
        report->status = HealthReport::Status::degraded;
    }
    report->uptime_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    co_return *report;
}

}  // namespace companion::health
