#include "cache/redis_client_core.hpp"

#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include "cache/redis_errors.hpp"
#include "util/log.hpp"

namespace companion::cache::detail {
namespace {

namespace asio = boost::asio;

std::exception_ptr unavailable(const std::string& reason) {
    return std::make_exception_ptr(RedisUnavailable(reason));
}

std::string milliseconds_text(std::chrono::milliseconds value) {
    return std::to_string(value.count()) + " ms";
}

}  // namespace

ClientCore::ClientCore(asio::any_io_executor executor, RedisUrl url, RedisOptions options)
    : strand_(asio::make_strand(std::move(executor))),
      url_(std::move(url)),
      options_(options),
      backoff_(options.reconnect_initial_delay, options.reconnect_max_delay) {}

asio::awaitable<std::vector<Reply>> ClientCore::execute(std::string encoded, std::size_t count,
                                                        std::string name,
                                                        std::chrono::milliseconds timeout) {
    auto pending =
        std::make_shared<Pending>(strand_, count, Clock::now() + timeout, std::move(name));
    submit(pending, std::move(encoded));
    co_await wait(*pending);
    if (!pending->done) give_up(*pending, timeout);
    if (pending->error) std::rethrow_exception(pending->error);
    co_return std::move(pending->replies);
}

void ClientCore::give_up(Pending& pending, std::chrono::milliseconds timeout) {
    pending.abandoned = true;
    const auto now = Clock::now();
    if (now < pending.timer.expiry()) {
        throw boost::system::system_error(asio::error::operation_aborted);
    }
    const auto connection = pending.sent_on.lock();
    if (connection) connection->reset_if_overdue(now);
    const auto what = pending.sent ? "no reply from " : "no connection to ";
    throw RedisTimeout("Redis " + pending.name + " timed out: " + what + url_.endpoint() +
                       " within " + milliseconds_text(timeout));
}

void ClientCore::submit(const std::shared_ptr<Pending>& pending, std::string encoded) {
    if (closed_) {
        pending->complete(unavailable("Redis client is closed"));
        return;
    }
    if (connection_ && connection_->ready()) {
        connection_->send(pending, encoded);
        return;
    }
    if (connection_) {
        log::warn("Redis connection lost", {{"reason", connection_->failure()}});
        last_error_ = connection_->failure();
        connection_.reset();
    }
    if (!opening_) {
        const auto now = Clock::now();
        if (now < next_attempt_) {
            const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_attempt_ - now);
            pending->complete(
                unavailable(last_error_ + " (next attempt in " + milliseconds_text(wait) + ")"));
            return;
        }
        opening_ = std::make_shared<Connection>(strand_);
        asio::co_spawn(strand_, reconnect(shared_from_this()), asio::detached);
    }
    waiting_.emplace_back(pending, std::move(encoded));
}

asio::awaitable<void> ClientCore::reconnect([[maybe_unused]] std::shared_ptr<ClientCore> self) {
    auto connection = opening_;
    const std::string error = co_await connection->open(url_, options_.connect_timeout);
    opening_.reset();
    auto waiting = std::move(waiting_);
    waiting_.clear();
    if (closed_ || !error.empty()) {
        const auto reason = closed_ ? std::string("Redis client is closed") : error;
        connection->fail(reason);
        if (!closed_) {
            if (last_error_.empty()) log::warn("Redis unavailable", {{"reason", reason}});
            last_error_ = reason;
            next_attempt_ = Clock::now() + backoff_.next();
        }
        for (auto& [pending, encoded] : waiting) {
            if (!pending->done && !pending->abandoned) pending->complete(unavailable(reason));
        }
        co_return;
    }
    if (!last_error_.empty()) {
        log::info("Redis connection restored", {{"endpoint", url_.endpoint()}});
    }
    last_error_.clear();
    backoff_.reset();
    next_attempt_ = {};
    connection_ = std::move(connection);
    for (auto& [pending, encoded] : waiting) {
        if (!pending->done && !pending->abandoned) connection_->send(pending, encoded);
    }
}

void ClientCore::close() {
    closed_ = true;
    if (connection_) connection_->fail("Redis client is closed");
    if (opening_) opening_->fail("Redis client is closed");
    connection_.reset();
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& [pending, encoded] : waiting) {
        if (!pending->done && !pending->abandoned) {
            pending->complete(unavailable("Redis client is closed"));
        }
    }
}

}  // namespace companion::cache::detail
