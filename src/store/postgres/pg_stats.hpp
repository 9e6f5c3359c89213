// Connection pool statistics of the PostgreSQL store, for tests and operators.
#pragma once

#include <cstdint>

namespace companion::store {

class Store;

struct PgPoolStats {
    int open = 0;     // connections open or being opened (idle + in use)
    int idle = 0;
    int in_use = 0;
    int waiting = 0;  // coroutines waiting for a free connection
    int peak_open = 0;
    std::int64_t opened = 0;         // connections opened since start
    std::int64_t discarded = 0;      // closed because they failed or were left unusable
    std::int64_t reaped = 0;         // overflow connections closed after sitting idle
    std::int64_t busy_timeouts = 0;  // acquisitions that gave up (store::Busy)
};

// The statistics of a store made by make_postgres_store; std::invalid_argument for another store.
PgPoolStats postgres_pool_stats(const Store& store);

}  // namespace companion::store
