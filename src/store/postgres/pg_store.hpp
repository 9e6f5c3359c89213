// The PostgreSQL + pgvector backend of Store: libpq's asynchronous API driven by Asio, and a pool
// of connections that grows under load and shrinks back when idle.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "store/store.hpp"

namespace companion::store {

struct PgOptions {
    std::string url;  // libpq form: postgresql://user:password@host:port/database?...
    int pool_size = 20;     // POSTGRES_POOL_SIZE
    int max_overflow = 40;  // POSTGRES_MAX_OVERFLOW: extra connections under load
    std::chrono::milliseconds acquire_timeout{5000};  // then store::Busy
    std::chrono::milliseconds statement_timeout{10000};
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::seconds overflow_idle{30};  // an overflow connection idle this long is closed
};

// Connects lazily: nothing is opened before the first call. Throws std::invalid_argument for a
// URL libpq cannot read or for sizes out of range. Does not migrate.
std::unique_ptr<Store> make_postgres_store(boost::asio::any_io_executor executor,
                                           PgOptions options);

}  // namespace companion::store
