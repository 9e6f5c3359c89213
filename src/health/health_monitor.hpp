// The service's health: probes of its dependencies, each bounded in time, cached briefly so that
// frequent probes (load balancers, Kubernetes) cost nothing.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

namespace companion::health {

struct HealthReport {
    enum class Status { healthy, degraded, unhealthy };
    Status status = Status::unhealthy;
    bool database = false;
    bool llm = false;
    std::optional<bool> redis;  // nullopt when Redis is not enabled
    double uptime_seconds = 0;
};

std::string_view to_string(HealthReport::Status status);

class HealthMonitor {
public:
    // A probe answers whether its dependency works; it must bound its own time.
    using Probe = std::function<boost::asio::awaitable<bool>()>;

    explicit HealthMonitor(bool redis_enabled,
                           std::chrono::milliseconds cache_for = std::chrono::seconds(2));

    void set_database_probe(Probe probe) { database_probe_ = std::move(probe); }
    void set_llm_probe(Probe probe) { llm_probe_ = std::move(probe); }
    void set_redis_probe(Probe probe) { redis_probe_ = std::move(probe); }
    // Something that works but not as configured (the rate limiter failing open while Redis is
    // down): when it answers true a healthy report becomes degraded. Asked on every report, not
    // cached; must be cheap and must not block.
    void set_degradation_check(std::function<bool()> check) {
        degradation_check_ = std::move(check);
    }

    // The cached report when it is fresh, else a new one (one refresh at a time; callers that
    // arrive during a refresh get the previous report).
    boost::asio::awaitable<HealthReport> report();

private:
    boost::asio::awaitable<HealthReport> probe_all();

    bool redis_enabled_;
    std::chrono::milliseconds cache_for_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    Probe database_probe_;
    Probe llm_probe_;
    Probe redis_probe_;
    std::function<bool()> degradation_check_;

    std::mutex mutex_;
    std::optional<HealthReport> cached_;
    std::chrono::steady_clock::time_point cached_at_;
    bool refreshing_ = false;
};

// Unhealthy when the database is down (nothing can be served); degraded when the LLM or Redis is
// down (conversations, memories and goals still work).
HealthReport::Status overall_status(bool database, bool llm, std::optional<bool> redis);

}  // namespace companion::health
