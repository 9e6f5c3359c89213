// Real storage backends for the contract tests: every call gives a new, empty database.
#pragma once

#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <memory>
#include <string>

#include "store/store.hpp"
#include "support/async.hpp"
#include "support/service.hpp"

namespace companion::testing {

// Opens a new store instance on one throwaway database, not migrated. Calling it twice gives two
// instances sharing that database, as two processes would.
using StoreOpener = std::function<std::unique_ptr<store::Store>()>;

// A new throwaway database of the backend ("sqlite" or "postgresql").
StoreOpener make_test_database(const std::string& backend);

// A fresh, migrated store on a new throwaway database.
std::unique_ptr<store::Store> make_test_store(const std::string& backend, TestLoop& loop);

// A throwaway database shared by a service process (started with `env`) and the test's own store
// instances (`open`), e.g. to seed rows that have no endpoint yet or to count what is left.
struct ServiceDatabase {
    Env env;  // DATA_DIR (sqlite) or POSTGRES_URL (postgresql)
    StoreOpener open;
};
ServiceDatabase make_service_database(const std::string& backend);

// A service test's backend: the store ("sqlite" or "postgresql"), with Redis or not.
struct ServiceBackend {
    std::string name;
    std::string store;
    bool redis = false;
};

// COMPANION_TEST_REDIS_URL; throws when it is not set.
inline std::string test_redis_url() {
    const char* url = std::getenv("COMPANION_TEST_REDIS_URL");
    if (url == nullptr || *url == '\0') {
        throw std::runtime_error("COMPANION_TEST_REDIS_URL is not set: run scripts/services.sh up");
    }
    return url;
}

// ---- PostgreSQL: filled in by the PostgreSQL backend's engineer ----
// A new throwaway database on the test server; its opener connects new store instances to it.
StoreOpener make_postgres_test_store();

}  // namespace companion::testing
