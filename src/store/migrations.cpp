#include "store/migrations.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace companion::store {

std::vector<EmbeddedMigration> migrations_for(std::string_view backend) {
    const std::string_view directory = backend == "postgresql" ? "postgres" : backend;
    std::vector<EmbeddedMigration> selected;
    for (const auto& migration : embedded_migrations()) {
        if (migration.backend == directory) selected.push_back(migration);
    }
    std::sort(selected.begin(), selected.end(),
              [](const auto& a, const auto& b) { return a.version < b.version; });
    for (std::size_t i = 0; i < selected.size(); ++i) {
        if (selected[i].version != static_cast<int>(i) + 1) {
            throw std::logic_error("migrations of " + std::string(backend) +
                                   " must be numbered 1, 2, 3, ... without gaps");
        }
    }
    return selected;
}

MigrationStatus status_at(std::string_view backend, int current_version) {
    MigrationStatus status;
    status.current_version = current_version;
    for (const auto& migration : migrations_for(backend)) {
        status.latest_version = migration.version;
        if (migration.version > current_version) {
            status.pending.push_back(MigrationStep{migration.version, std::string(migration.name)});
        }
    }
    return status;
}

}  // namespace companion::store
