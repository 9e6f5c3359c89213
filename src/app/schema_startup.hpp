// Bringing the database schema up to date at start-up: once and strictly in production,
// with retries in development (the service answers meanwhile, unhealthy and not ready).
#pragma once

#include <atomic>

#include <boost/asio/awaitable.hpp>

#include "config/settings.hpp"

namespace companion::health {
class Readiness;
}
namespace companion::store {
class Store;
}

namespace companion::app {

class SchemaStartup {
public:
    SchemaStartup(store::Store& store, const config::Settings& settings,
                  health::Readiness& readiness);

    // Development and test migrate by themselves; production and staging only check.
    bool migrates_itself() const;

    // Throws store::StoreError (unreachable database, out-of-date schema).
    boost::asio::awaitable<void> check_once();
    // Retries with backoff (0.5 s doubling to 30 s) until the schema is ready, then marks the
    // service ready; ends early after stop().
    boost::asio::awaitable<void> migrate_with_retry();
    void stop() { stopping_ = true; }

private:
    store::Store& store_;
    const config::Settings& settings_;
    health::Readiness& readiness_;
    std::atomic<bool> stopping_{false};
};

}  // namespace companion::app
