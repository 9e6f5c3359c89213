// The SQLite connections of one store: each job on the store's worker pool borrows one, so reads
// run concurrently under WAL. Connections are opened on demand, at most one per worker thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite/database.hpp"

namespace companion::store::sqlite {

class ConnectionPool {
public:
    // Opens the first connection at once, so that a bad path fails at start-up (Unavailable).
    explicit ConnectionPool(std::string path);

    class Lease {
    public:
        Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection)
            : pool_(pool), connection_(std::move(connection)) {}
        ~Lease() { pool_.release(std::move(connection_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        Connection& operator*() const { return *connection_; }
        Connection* operator->() const { return connection_.get(); }

    private:
        ConnectionPool& pool_;
        std::unique_ptr<Connection> connection_;
    };

    Lease acquire();
    const std::string& path() const { return path_; }

private:
    void release(std::unique_ptr<Connection> connection);

    std::string path_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace companion::store::sqlite
