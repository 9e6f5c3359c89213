#include "app/app.hpp"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "api/routes.hpp"
#include "config/production_checks.hpp"
#include "health/health_monitor.hpp"
#include "health/readiness.hpp"
#include "http/middleware.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"
#include "metrics/service_metrics.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

namespace companion::app {

namespace asio = boost::asio;

namespace {

log::Level to_log_level(config::LogLevel level) {
    switch (level) {
        case config::LogLevel::trace: return log::Level::trace;
        case config::LogLevel::debug: return log::Level::debug;
        case config::LogLevel::info: return log::Level::info;
        case config::LogLevel::warning: return log::Level::warning;
        case config::LogLevel::error: return log::Level::error;
        case config::LogLevel::critical: return log::Level::critical;
    }
    return log::Level::info;
}

// Production refuses to start on a failed check; elsewhere the same findings are warnings.
bool production_checks_allow_start(const config::Settings& settings) {
    const bool production = settings.environment == config::Environment::production;
    bool allowed = true;
    for (const auto& check : config::run_production_checks(settings)) {
        using Verdict = config::CheckResult::Verdict;
        if (check.verdict == Verdict::fail && production) {
            std::fprintf(stderr, "refusing to start in production: %s\n", check.message.c_str());
            allowed = false;
        } else if (check.verdict != Verdict::pass) {
            log::warn(check.message, {{"check", std::string_view(check.name)}});
        }
    }
    return allowed;
}

http::ServerOptions server_options(const config::Settings& settings) {
    http::ServerOptions options;
    options.keepalive_timeout = std::chrono::seconds(settings.http_keepalive_timeout_seconds);
    options.read_timeout = std::chrono::seconds(settings.http_read_timeout_seconds);
    options.write_timeout = std::chrono::seconds(settings.http_write_timeout_seconds);
    options.max_header_bytes = settings.http_max_header_bytes;
    options.max_body_bytes = settings.max_request_body_bytes;
    options.max_connections = static_cast<std::size_t>(settings.http_max_connections);
    return options;
}

// If some coroutine does not end within a few seconds of the close, exit anyway: a shutdown that
// hangs is worse than one that cuts a last straggler.
class ShutdownWatchdog {
public:
    void arm(std::chrono::seconds limit) {
        thread_ = std::thread([this, limit] {
            std::unique_lock lock(mutex_);
            if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) {
                log::error("shutdown did not finish in time, exiting");
                log::shutdown();
                std::_Exit(0);
            }
        });
    }
    ~ShutdownWatchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        done_cv_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

private:
    std::mutex mutex_;
    std::condition_variable done_cv_;
    bool done_ = false;
    std::thread thread_;
};

// SIGTERM/SIGINT: report not-ready, stop accepting, let in-flight requests finish for up to
// SHUTDOWN_GRACE_SECONDS, then close every connection. io.run() returns once every coroutine has
// ended, so nothing is destroyed while a connection still uses it.
asio::awaitable<void> drain_on_signal(asio::io_context& io, http::Server& server,
                                      health::Readiness& readiness, std::chrono::seconds grace,
                                      ShutdownWatchdog& watchdog) {
    asio::signal_set signals(io, SIGTERM, SIGINT);
    const int signal = co_await signals.async_wait(asio::use_awaitable);
    watchdog.arm(grace + std::chrono::seconds(5));
    readiness.set(health::Readiness::State::draining);
    log::info("shutting down", {{"signal", signal},
                                {"in_flight", server.requests_in_flight()},
                                {"grace_seconds", static_cast<std::int64_t>(grace.count())}});
    server.begin_drain();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    asio::steady_timer timer(io);
    while (server.requests_in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
    }
    if (server.requests_in_flight() > 0) {
        log::warn("grace period over, closing requests still in flight",
                  {{"in_flight", server.requests_in_flight()}});
    } else {
        log::info("all requests finished");
    }
    server.close_all_connections();
}

}  // namespace

int serve(const config::Settings& settings) {
    const bool json_logs = settings.environment == config::Environment::production;
    log::init(to_log_level(settings.log_level), json_logs);
    if (!production_checks_allow_start(settings)) {
        log::shutdown();
        return 1;
    }
    util::raise_open_file_limit();

    auto& registry = metrics::default_registry();
    metrics::register_service_metrics(registry);
    registry.enable_process_metrics();

    ShutdownWatchdog watchdog;
    asio::io_context io(settings.worker_threads);
    health::Readiness readiness;
    health::HealthMonitor health_monitor(settings.redis_enabled);

    api::Services services{settings, health_monitor, readiness, registry};
    http::Router router;
    api::register_routes(router, services);

    std::vector<http::Middleware> middleware;
    middleware.push_back(http::request_id());
    middleware.push_back(http::access_log_and_metrics(registry));
    middleware.push_back(http::security_headers());
    middleware.push_back(http::cors(http::CorsPolicy(settings.cors_origins)));
    middleware.push_back(http::error_barrier());
    const http::Handler pipeline = http::chain(std::move(middleware), http::dispatch);

    http::Server server(io, server_options(settings), router, pipeline, registry);
    try {
        server.listen(settings.host, settings.port);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "companion: %s\n", error.what());
        log::shutdown();
        return 1;
    }
    server.start();
    asio::co_spawn(io,
                   drain_on_signal(io, server, readiness,
                                   std::chrono::seconds(settings.shutdown_grace_seconds), watchdog),
                   asio::detached);
    readiness.set(health::Readiness::State::ready);
    log::info("companion listening",
              {{"host", std::string_view(settings.host)},
               {"port", static_cast<std::int64_t>(server.port())},
               {"environment", config::to_string(settings.environment)},
               {"version", COMPANION_VERSION},
               {"worker_threads", settings.worker_threads}});

    std::vector<std::thread> threads;
    for (int i = 1; i < settings.worker_threads; ++i) threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& thread : threads) thread.join();
    log::info("companion stopped");
    log::shutdown();
    return 0;
}

}  // namespace companion::app
