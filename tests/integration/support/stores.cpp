#include "support/stores.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "store/postgres/store_impl.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/postgres_admin.hpp"

namespace companion::testing {

namespace {

// One temporary directory per test process, removed at exit; a database file per test.
class TempRoot {
public:
    TempRoot() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "companion-store-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a temporary directory for test databases");
        }
        path_ = pattern;
    }
    ~TempRoot() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempRoot(const TempRoot&) = delete;
    TempRoot& operator=(const TempRoot&) = delete;

    std::string next_database() {
        return (path_ / ("db-" + std::to_string(++counter_)) / "companion.db").string();
    }

private:
    std::filesystem::path path_;
    std::atomic<int> counter_{0};
};

StoreOpener make_sqlite_test_database() {
    static TempRoot root;
    return [path = root.next_database()] { return store::make_sqlite_store(path, 4); };
}

}  // namespace

StoreOpener make_postgres_test_store() {
    // One throwaway database (dropped when the opener and its last store are gone) and one I/O
    // thread for the stores' sockets and timers; the tests' coroutines run on their own loop.
    struct Shared {
        TestLoop io;
        ThrowawayDatabase database;
    };
    auto shared = std::make_shared<Shared>();
    return [shared] {
        store::PgOptions options;
        options.url = shared->database.url();
        options.pool_size = 4;
        options.max_overflow = 8;
        auto opened = std::make_unique<store::PgStore>(shared->io.executor(), options);
        opened->attach(shared);
        return std::unique_ptr<store::Store>(std::move(opened));
    };
}

StoreOpener make_test_database(const std::string& backend) {
    if (backend == "sqlite") return make_sqlite_test_database();
    if (backend == "postgresql") return make_postgres_test_store();
    throw std::invalid_argument("unknown store backend: " + backend);
}

std::unique_ptr<store::Store> make_test_store(const std::string& backend, TestLoop& loop) {
    auto store = make_test_database(backend)();
    loop.run(store->migrate_up());
    return store;
}

}  // namespace companion::testing
