#include "store/open_store.hpp"

#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "store/errors.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace companion::store {

std::string sqlite_path(const config::Settings& settings) {
    return (std::filesystem::path(settings.data_dir) / "companion.db").string();
}

std::unique_ptr<Store> open_store(const config::Settings& settings,
                                  boost::asio::any_io_executor executor) {
    if (settings.postgres_url.empty()) return make_sqlite_store(sqlite_path(settings));
    PgOptions options;
    options.url = settings.postgres_url;
    options.pool_size = settings.postgres_pool_size;
    options.max_overflow = settings.postgres_max_overflow;
    try {
        return make_postgres_store(std::move(executor), std::move(options));
    } catch (const std::invalid_argument& error) {
        // libpq refuses the URL (say, an unknown query parameter): a configuration mistake.
        throw StoreError(fmt::format("POSTGRES_URL is not usable: {}", error.what()));
    }
}

Task<std::vector<MigrationStep>> prepare_schema(Store& store, const config::Settings& settings) {
    const bool migrates_itself = settings.environment == config::Environment::development ||
                                 settings.environment == config::Environment::test;
    if (migrates_itself) co_return co_await store.migrate_up();
    const auto status = co_await store.migration_status();
    if (!status.up_to_date()) {
        throw SchemaOutOfDate(fmt::format(
            "the database schema is at version {} but this binary needs version {}: run "
            "`companion migrate up` (with the same settings) before starting it",
            status.current_version, status.latest_version));
    }
    co_return std::vector<MigrationStep>{};
}

}  // namespace companion::store
