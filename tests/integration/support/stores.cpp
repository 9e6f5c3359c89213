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

TempRoot& temp_root() {
    static TempRoot root;
    return root;
}

StoreOpener make_sqlite_test_database() {
    return [path = temp_root().next_database()] { return store::make_sqlite_store(path, 4); };
}

}  // namespace

namespace {

// One throwaway database (dropped when the opener and its last store are gone) and one I/O
// thread for the stores' sockets and timers; the tests' coroutines run on their own loop.
struct SharedPostgres {
    TestLoop io;
    ThrowawayDatabase database;
};

StoreOpener postgres_opener(std::shared_ptr<SharedPostgres> shared) {
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

}  // namespace

StoreOpener make_postgres_test_store() {
    return postgres_opener(std::make_shared<SharedPostgres>());
}

ServiceDatabase make_service_database(const std::string& backend) {
    if (backend == "sqlite") {
        const std::filesystem::path path = temp_root().next_database();
        std::filesystem::create_directories(path.parent_path());
        return {Env{{"DATA_DIR", path.parent_path().string()}},
                [path] { return store::make_sqlite_store(path.string(), 4); }};
    }
    if (backend == "postgresql") {
        auto shared = std::make_shared<SharedPostgres>();
        return {Env{{"POSTGRES_URL", shared->database.url()}}, postgres_opener(shared)};
    }
    throw std::invalid_argument("unknown store backend: " + backend);
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
