#include "app/app.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include "api/routes.hpp"
#include "auth/auth_cache.hpp"
#include "auth/auth_service.hpp"
#include "cache/credential_events_redis.hpp"
#include "cache/login_guard.hpp"
#include "cache/rate_limiter.hpp"
#include "cache/redis_client.hpp"
#include "cache/redis_subscriber.hpp"
#include "cache/short_term_memory.hpp"
#include "companion/chat_service.hpp"
#include "companion/persona.hpp"
#include "app/schema_startup.hpp"
#include "app/shutdown.hpp"
#include "config/production_checks.hpp"
#include "health/health_monitor.hpp"
#include "health/readiness.hpp"
#include "http/middleware.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/trusted_proxies.hpp"
#include "llm/llm_client.hpp"
#include "memory/embedder.hpp"
#include "memory/memory_events_redis.hpp"
#include "memory/memory_index.hpp"
#include "memory/memory_service.hpp"
#include "memory/reembed.hpp"
#include "metrics/registry.hpp"
#include "metrics/service_metrics.hpp"
#include "store/errors.hpp"
#include "store/open_store.hpp"
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

http::Handler build_pipeline(const config::Settings& settings, metrics::Registry& registry,
                             auth::AuthService& auth, cache::RateLimiter& rate_limiter) {
    std::vector<http::Middleware> middleware;
    middleware.push_back(http::forwarded_client(
        std::make_shared<const http::TrustedProxies>(settings.trusted_proxies)));
    middleware.push_back(http::request_id());
    middleware.push_back(http::access_log_and_metrics(registry));
    middleware.push_back(http::security_headers());
    middleware.push_back(http::cors(http::CorsPolicy(settings.cors_origins)));
    middleware.push_back(http::error_barrier());
    middleware.push_back(api::store_errors());
    middleware.push_back(api::auth_errors());
    middleware.push_back(api::limit_failed_authentication(
        rate_limiter, settings.rate_limit_requests_per_minute));
    middleware.push_back(api::authenticate(auth, settings.require_authentication));
    middleware.push_back(api::rate_limit(rate_limiter, settings.rate_limit_requests_per_minute));
    return http::chain(std::move(middleware), http::dispatch);
}

// The I/O threads, started early so that start-up steps can already run coroutines.
class IoThreads {
public:
    IoThreads(asio::io_context& io, int count) : io_(io), guard_(io.get_executor()) {
        for (int i = 0; i < count; ++i) threads_.emplace_back([&io] { io.run(); });
    }
    // Lets io.run() return once the last piece of work has ended.
    void release() { guard_.reset(); }
    void join() {
        release();
        for (auto& thread : threads_) thread.join();
        threads_.clear();
    }
    ~IoThreads() {
        if (!threads_.empty()) {
            io_.stop();
            join();
        }
    }

private:
    asio::io_context& io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::vector<std::thread> threads_;
};

// The start-up check of the stored embeddings' models; a failure is logged, never fatal.
asio::awaitable<void> report_embedding_models(store::Store& store, std::string model) {
    try {
        co_await memory::warn_if_model_changed(store, std::move(model));
    } catch (const std::exception& error) {
        log::warn("could not count the stored memories per embedding model",
                  {{"error", std::string_view(error.what())}});
    }
}

asio::awaitable<void> migrate_then_report(SchemaStartup& schema, health::Readiness& readiness,
                                          store::Store& store, std::string model) {
    co_await schema.migrate_with_retry();
    if (readiness.state() != health::Readiness::State::ready) co_return;  // stopped meanwhile
    co_await report_embedding_models(store, std::move(model));
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
    chat::Persona persona;
    try {
        persona = chat::load_persona(settings);
    } catch (const std::runtime_error& error) {
        std::fprintf(stderr, "companion: %s\n", error.what());
        log::shutdown();
        return 1;
    }

    auto& registry = metrics::default_registry();
    metrics::register_service_metrics(registry);
    registry.enable_process_metrics();

    ShutdownWatchdog watchdog;
    asio::io_context io(settings.worker_threads);
    // From here on SIGTERM/SIGINT belong to the graceful shutdown, also during start-up.
    asio::signal_set signals(io, SIGTERM, SIGINT);
    std::unique_ptr<store::Store> store;
    try {
        store = store::open_store(settings, io.get_executor());
    } catch (const store::StoreError& error) {
        std::fprintf(stderr, "companion: %s\n", error.what());
        log::shutdown();
        return 1;
    }
    std::unique_ptr<llm::LlmClient> llm_client;
    try {
        llm_client = std::make_unique<llm::LlmClient>(
            io.get_executor(), llm::options_from_settings(settings), registry);
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "companion: %s\n", error.what());
        store->close();
        log::shutdown();
        return 1;
    }
    // An embedding server other than the chat's gets a client of its own (docs/memory.md).
    std::unique_ptr<llm::LlmClient> embedding_client;
    std::unique_ptr<memory::Embedder> embedder;
    try {
        llm::LlmClient* embedding_llm = llm_client.get();
        if (settings.embedding_provider == config::EmbeddingProvider::openai &&
            memory::embedding_base_url(settings) != settings.lm_studio_base_url) {
            auto options = llm::options_from_settings(settings);
            options.base_url = memory::embedding_base_url(settings);
            embedding_client =
                std::make_unique<llm::LlmClient>(io.get_executor(), options, registry);
            embedding_llm = embedding_client.get();
        }
        embedder = memory::make_embedder(settings, embedding_llm);
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "companion: %s\n", error.what());
        store->close();
        log::shutdown();
        return 1;
    }
    std::unique_ptr<cache::RedisClient> redis;
    if (settings.redis_enabled) {
        try {
            redis = std::make_unique<cache::RedisClient>(io.get_executor(), settings.redis_url);
        } catch (const std::invalid_argument& error) {
            std::fprintf(stderr, "companion: REDIS_URL: %s\n", error.what());
            store->close();
            log::shutdown();
            return 1;
        }
    }
    health::Readiness readiness;
    health::HealthMonitor health_monitor(settings.redis_enabled);
    health_monitor.set_database_probe([&store] { return store->ping(); });
    health_monitor.set_llm_probe([&llm_client] { return llm_client->probe(); });
    if (redis) health_monitor.set_redis_probe([&redis] { return redis->ping(); });

    // CPU-heavy work (argon2) runs here, never on an I/O thread.
    asio::thread_pool cpu_pool(2);
    auto login_guard = redis ? cache::make_redis_login_guard(*redis)
                             : cache::make_local_login_guard();
    auto rate_limiter =
        redis ? cache::make_redis_rate_limiter(
                    *redis, std::chrono::seconds(settings.rate_limit_fail_open_seconds))
              : cache::make_local_rate_limiter();
    health_monitor.set_degradation_check([&rate_limiter] { return rate_limiter->degraded(); });
    // Credentials are cached in process when every change is sure to be heard of: one process on
    // SQLite, or replicas that tell each other through Redis (see auth/auth_cache.hpp).
    auth::AuthCache auth_cache(store->backend() == "sqlite" && !redis);
    std::unique_ptr<cache::RedisSubscriber> subscriber;
    std::unique_ptr<cache::RedisCredentialEvents> credential_events;
    if (redis) {
        subscriber = std::make_unique<cache::RedisSubscriber>(io.get_executor(), settings.redis_url);
        credential_events =
            std::make_unique<cache::RedisCredentialEvents>(*redis, *subscriber, auth_cache);
        asio::co_spawn(io, credential_events->start(), asio::detached);
    }
    auth::AuthService auth_service(*store, settings, cpu_pool, *login_guard, auth_cache,
                                   credential_events.get());
    // The conversation window lives where every replica sees the same one (see
    // cache/short_term_memory.hpp).
    const auto window_size = static_cast<std::size_t>(settings.short_term_memory_size);
    std::unique_ptr<cache::ShortTermMemory> short_term;
    if (redis) {
        short_term = cache::make_redis_short_term_memory(*redis, window_size);
    } else if (store->backend() == "sqlite") {
        short_term = cache::make_local_short_term_memory(window_size, 64u << 20);
    } else {
        short_term = cache::make_no_short_term_memory(window_size);
    }
    // Long-term memory (docs/memory.md): the in-process index is trusted on its own only where
    // every change is heard of (SQLite in one process), else while Redis carries the changes.
    memory::MatrixCacheOptions index_options;
    index_options.model = embedder->model_name();
    index_options.max_bytes = static_cast<std::size_t>(settings.memory_index_cache_mb) << 20;
    index_options.trusted = store->backend() == "sqlite" && !redis;
    memory::MemoryIndex memory_index(*store, index_options, &cpu_pool);
    std::unique_ptr<cache::RedisSubscriber> memory_subscriber;
    std::unique_ptr<memory::RedisMemoryEvents> memory_events;
    if (redis) {
        // A subscriber of its own: a subscriber has one state handler (memory_events_redis.hpp).
        memory_subscriber =
            std::make_unique<cache::RedisSubscriber>(io.get_executor(), settings.redis_url);
        memory_events = std::make_unique<memory::RedisMemoryEvents>(*redis, memory_subscriber.get(),
                                                                    &memory_index.cache());
        asio::co_spawn(io, memory_events->start(), asio::detached);
    }
    memory::MemoryService memory_service(*store, *embedder, memory_index, memory_events.get(),
                                         &registry);
    memory_service.set_ranking({settings.memory_keyword_weight, settings.memory_recency_weight,
                                static_cast<double>(settings.memory_recency_half_life_days),
                                settings.memory_importance_weight});
    chat::ChatService chat_service(*store, *short_term, *llm_client, settings, std::move(persona),
                                   memory_service);
    api::Services services{settings,     health_monitor, readiness,    registry,
                           *store,       auth_service,   chat_service, memory_service};
    http::Router router;
    api::register_routes(router, services);
    http::Server server(io, server_options(settings), router,
                        build_pipeline(settings, registry, auth_service, *rate_limiter), registry);
    try {
        server.listen(settings.host, settings.port);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "companion: %s\n", error.what());
        store->close();
        log::shutdown();
        return 1;
    }

    IoThreads threads(io, settings.worker_threads);
    SchemaStartup schema(*store, settings, readiness);
    if (!schema.migrates_itself()) {
        // Production and staging: an unreachable database or an old schema stops the start.
        try {
            asio::co_spawn(io, schema.check_once(), asio::use_future).get();
        } catch (const store::StoreError& error) {
            std::fprintf(stderr, "companion: %s\n", error.what());
            store->close();
            if (redis) redis->close();
            subscriber.reset();
            memory_subscriber.reset();
            threads.join();
            log::shutdown();
            return 1;
        }
    }
    DrainPlan plan{std::chrono::seconds(settings.shutdown_grace_seconds), [&] {
                       schema.stop();
                       store->close();
                       if (redis) redis->close();
                       subscriber.reset();
                       memory_subscriber.reset();
                   }};
    asio::co_spawn(io, drain_on_signal(signals, server, readiness, std::move(plan), watchdog),
                   [](std::exception_ptr error) {
                       if (!error) return;
                       // Without its drain the process could not stop cleanly: stop it now.
                       log::error("graceful shutdown failed, exiting");
                       log::shutdown();
                       std::_Exit(1);
                   });
    server.start();
    if (schema.migrates_itself()) {
        // Development: serve at once, report unhealthy and retry until the database is there.
        asio::co_spawn(io, migrate_then_report(schema, readiness, *store, embedder->model_name()),
                       asio::detached);
    } else {
        readiness.set(health::Readiness::State::ready);
        asio::co_spawn(io, report_embedding_models(*store, embedder->model_name()), asio::detached);
    }
    log::info("companion listening",
              {{"host", std::string_view(settings.host)},
               {"port", static_cast<std::int64_t>(server.port())},
               {"environment", config::to_string(settings.environment)},
               {"storage", store->backend()},
               {"version", COMPANION_VERSION},
               {"worker_threads", settings.worker_threads}});

    threads.join();
    cpu_pool.join();
    log::info("companion stopped");
    log::shutdown();
    return 0;
}

}  // namespace companion::app
