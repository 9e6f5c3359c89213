// The embedded SQLite backend of Store (the default): one database file in WAL mode, every call
// run on the store's own worker threads, never on the caller's.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace companion::store {

// Opens the database at database_path, creating the file and its parent directories when
// missing; throws Unavailable naming the path when that fails. Does not migrate: call
// migrate_up() or check migration_status().
std::unique_ptr<Store> make_sqlite_store(const std::string& database_path, int worker_threads = 4);

}  // namespace companion::store
