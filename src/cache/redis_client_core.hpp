// Internal: the state behind RedisClient, touched only on its strand: the current connection,
// the commands waiting for one, and when the next connect attempt may start.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "cache/redis_backoff.hpp"
#include "cache/redis_connection.hpp"
#include "cache/redis_options.hpp"
#include "cache/redis_reply.hpp"
#include "cache/redis_url.hpp"

namespace companion::cache::detail {

class ClientCore : public std::enable_shared_from_this<ClientCore> {
public:
    ClientCore(boost::asio::any_io_executor executor, RedisUrl url, RedisOptions options);

    // Sends the encoded commands (`count` of them) and returns their replies, error replies
    // included. Throws RedisTimeout or RedisUnavailable. Runs on the strand.
    boost::asio::awaitable<std::vector<Reply>> execute(std::string encoded, std::size_t count,
                                                       std::string name,
                                                       std::chrono::milliseconds timeout);
    // Closes the connection and fails what waits. On the strand.
    void close();

    const Strand& strand() const { return strand_; }
    const RedisUrl& url() const { return url_; }
    const RedisOptions& options() const { return options_; }

private:
    void submit(const std::shared_ptr<Pending>& pending, std::string encoded);
    boost::asio::awaitable<void> reconnect(std::shared_ptr<ClientCore> self);
    [[noreturn]] void give_up(Pending& pending, std::chrono::milliseconds timeout);

    Strand strand_;
    const RedisUrl url_;
    const RedisOptions options_;
    std::shared_ptr<Connection> connection_;
    std::shared_ptr<Connection> opening_;
    std::deque<std::pair<std::shared_ptr<Pending>, std::string>> waiting_;
    Backoff backoff_;
    Clock::time_point next_attempt_{};
    std::string last_error_;
    bool closed_ = false;
};

}  // namespace companion::cache::detail
