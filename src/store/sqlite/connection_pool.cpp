#include "store/sqlite/connection_pool.hpp"

#include <utility>

namespace companion::store::sqlite {

ConnectionPool::ConnectionPool(std::string path) : path_(std::move(path)) {
    idle_.push_back(Connection::open(path_));
}

ConnectionPool::Lease ConnectionPool::acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto connection = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(connection));
        }
    }
    return Lease(*this, Connection::open(path_));
}

void ConnectionPool::release(std::unique_ptr<Connection> connection) {
    // A connection left inside a transaction (a failed rollback) is closed, not reused.
    if (connection->in_transaction()) return;
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
}

}  // namespace companion::store::sqlite
