// The versioned SQL migrations carried inside the binary, one directory per backend
// (src/store/migrations/sqlite, src/store/migrations/postgres).
#pragma once

#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace companion::store {

struct EmbeddedMigration {
    std::string_view backend;  // "sqlite" or "postgres"
    int version;
    std::string_view name;
    std::string_view sql;
};

// Every embedded migration of every backend, in file order.
const std::vector<EmbeddedMigration>& embedded_migrations();

// The migrations of one backend ("sqlite" or "postgresql"), oldest first. Throws
// std::logic_error when versions are not 1, 2, 3, ... without gaps.
std::vector<EmbeddedMigration> migrations_for(std::string_view backend);

// What is pending when the database is at `current_version`.
MigrationStatus status_at(std::string_view backend, int current_version);

}  // namespace companion::store
