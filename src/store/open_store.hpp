// Chooses and opens the storage backend from the settings: PostgreSQL when POSTGRES_URL is set,
// the embedded SQLite file DATA_DIR/companion.db otherwise.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "config/settings.hpp"
#include "store/store.hpp"

namespace companion::store {

std::unique_ptr<Store> open_store(const config::Settings& settings,
                                  boost::asio::any_io_executor executor);

// Where the embedded store lives.
std::string sqlite_path(const config::Settings& settings);

// Migrates in development and test; elsewhere refuses an out-of-date schema with
// SchemaOutOfDate naming the command to run. Returns the steps it applied.
Task<std::vector<MigrationStep>> prepare_schema(Store& store, const config::Settings& settings);

}  // namespace companion::store
