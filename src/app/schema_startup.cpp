#include "app/schema_startup.hpp"

#include <algorithm>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "health/readiness.hpp"
#include "store/errors.hpp"
#include "store/open_store.hpp"
#include "util/log.hpp"

namespace companion::app {

namespace asio = boost::asio;
using namespace std::chrono_literals;

SchemaStartup::SchemaStartup(store::Store& store, const config::Settings& settings,
                             health::Readiness& readiness)
    : store_(store), settings_(settings), readiness_(readiness) {}

bool SchemaStartup::migrates_itself() const {
    return settings_.environment == config::Environment::development ||
           settings_.environment == config::Environment::test;
}

asio::awaitable<void> SchemaStartup::check_once() {
    co_await store::prepare_schema(store_, settings_);
}

asio::awaitable<void> SchemaStartup::migrate_with_retry() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto delay = std::chrono::milliseconds(500);
    while (!stopping_) {
        std::string failure;
        try {
            for (const auto& step : co_await store::prepare_schema(store_, settings_)) {
                log::info("database migrated", {{"version", step.version},
                                                {"name", std::string_view(step.name)}});
            }
            readiness_.advance(health::Readiness::State::starting,
                               health::Readiness::State::ready);
            co_return;
        } catch (const store::StoreError& error) {
            failure = error.what();
        } catch (const std::exception& error) {
            failure = std::string("unexpected error: ") + error.what();
        }
        log::warn("database not ready, retrying",
                  {{"error", std::string_view(failure)},
                   {"retry_in_ms", static_cast<std::int64_t>(delay.count())}});
        // Short slices, so that a shutdown does not wait for a long backoff.
        for (auto waited = 0ms; waited < delay && !stopping_; waited += 100ms) {
            timer.expires_after(100ms);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        delay = std::min<std::chrono::milliseconds>(delay * 2, 30s);
    }
}

}  // namespace companion::app
