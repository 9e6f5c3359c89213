#include "llm/connection_pool.hpp"

#include <poll.h>

#include <utility>

namespace companion::llm::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Connection::Connection(const asio::any_io_executor& executor, asio::ssl::context* tls) {
    if (tls != nullptr) {
        tls_ = std::make_unique<TlsStream>(executor, *tls);
    } else {
        plain_ = std::make_unique<tcp::socket>(executor);
    }
}

tcp::socket& Connection::socket() {
    return tls_ ? tls_->next_layer() : *plain_;
}

void Connection::close() {
    boost::system::error_code ignored;
    socket().close(ignored);
}

bool Connection::looks_alive() {
    auto& s = socket();
    if (!s.is_open() || buffer.size() != 0) return false;
    pollfd poll_fd{s.native_handle(), POLLIN, 0};
    return ::poll(&poll_fd, 1, 0) == 0;
}

ConnectionPool::ConnectionPool(std::size_t max_idle, std::chrono::milliseconds idle_timeout)
    : max_idle_(max_idle), idle_timeout_(idle_timeout) {}

std::unique_ptr<Connection> ConnectionPool::take(Clock::time_point now) {
    std::deque<std::unique_ptr<Connection>> expired;
    std::unique_ptr<Connection> found;
    {
        std::lock_guard lock(mutex_);
        while (!idle_.empty() && now - idle_.front()->idle_since > idle_timeout_) {
            expired.push_back(std::move(idle_.front()));
            idle_.pop_front();
        }
        while (!idle_.empty() && !found) {
            auto candidate = std::move(idle_.back());
            idle_.pop_back();
            if (candidate->looks_alive()) {
                found = std::move(candidate);
            } else {
                expired.push_back(std::move(candidate));
            }
        }
    }
    // Closed outside the lock.
    expired.clear();
    return found;
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection, Clock::time_point now) {
    connection->reused = true;
    connection->idle_since = now;
    // An idle connection keeps no read buffer: after the thousands of streams of a busy minute
    // end together, the pool may hold as many idle connections.
    if (connection->buffer.size() == 0) connection->buffer.shrink_to_fit();
    std::unique_ptr<Connection> dropped;
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
    if (idle_.size() > max_idle_) {
        dropped = std::move(idle_.front());
        idle_.pop_front();
    }
}

std::size_t ConnectionPool::idle() const {
    std::lock_guard lock(mutex_);
    return idle_.size();
}

}  // namespace companion::llm::detail
