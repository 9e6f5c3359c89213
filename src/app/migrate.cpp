#include "app/migrate.hpp"

#include <cstdio>
#include <exception>
#include <functional>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include "store/errors.hpp"
#include "store/open_store.hpp"

namespace companion::app {

namespace asio = boost::asio;

namespace {

// Opens the configured store, runs one coroutine against it on a private io_context and closes
// the store afterwards (so that io.run() returns), success or not.
template <class Result>
Result with_store(const config::Settings& settings,
                  const std::function<asio::awaitable<Result>(store::Store&)>& work) {
    asio::io_context io;
    auto store = store::open_store(settings, io.get_executor());
    auto run = [&]() -> asio::awaitable<Result> {
        std::exception_ptr error;
        std::optional<Result> result;
        try {
            result = co_await work(*store);
        } catch (...) {
            error = std::current_exception();
        }
        store->close();
        if (error) std::rethrow_exception(error);
        co_return std::move(*result);
    };
    auto future = asio::co_spawn(io, run(), asio::use_future);
    io.run();
    return future.get();
}

std::string where(const config::Settings& settings) {
    return settings.postgres_url.empty() ? "sqlite " + store::sqlite_path(settings)
                                         : std::string("postgresql");
}

}  // namespace

int migrate_up(const config::Settings& settings) {
    try {
        const auto applied = with_store<std::vector<store::MigrationStep>>(
            settings, [](store::Store& store) { return store.migrate_up(); });
        for (const auto& step : applied) {
            std::printf("applied %04d_%s\n", step.version, step.name.c_str());
        }
        std::printf(applied.empty() ? "%s: already up to date\n" : "%s: up to date\n",
                    where(settings).c_str());
        return 0;
    } catch (const store::StoreError& error) {
        std::fprintf(stderr, "companion: %s\n", error.what());
        return 1;
    }
}

int migrate_status(const config::Settings& settings) {
    try {
        const auto status = with_store<store::MigrationStatus>(
            settings, [](store::Store& store) { return store.migration_status(); });
        std::printf("database: %s\ncurrent version: %d\nlatest version: %d\n",
                    where(settings).c_str(), status.current_version, status.latest_version);
        if (status.up_to_date()) {
            std::printf("up to date\n");
            return 0;
        }
        std::printf("pending:\n");
        for (const auto& step : status.pending) {
            std::printf("  %04d_%s\n", step.version, step.name.c_str());
        }
        std::printf("run `companion migrate up` to apply them\n");
        return 3;
    } catch (const store::StoreError& error) {
        std::fprintf(stderr, "companion: %s\n", error.what());
        return 1;
    }
}

}  // namespace companion::app
