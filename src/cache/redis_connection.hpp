// Internal: one Redis connection. Commands are pipelined: each send appends to an outgoing buffer
// and to a FIFO of pending entries; a writer coroutine flushes the buffer in batches and a reader
// coroutine completes the entries in order. Everything runs on the owner's strand.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "cache/redis_protocol.hpp"
#include "cache/redis_reply.hpp"
#include "cache/redis_url.hpp"

namespace companion::cache::detail {

using Strand = boost::asio::strand<boost::asio::any_io_executor>;
using Clock = std::chrono::steady_clock;

class Connection;

// A command, or a pipeline of commands, waiting for its replies.
struct Pending {
    Pending(const Strand& strand, std::size_t expected, Clock::time_point deadline,
            std::string name);

    // Marks it done and wakes the waiter.
    void complete(std::exception_ptr failure = nullptr);

    boost::asio::steady_timer timer;  // expires at the deadline; cancelled on completion
    std::size_t expected;
    std::string name;  // the command name, for messages
    std::vector<Reply> replies;
    std::exception_ptr error;
    std::weak_ptr<Connection> sent_on;
    bool sent = false;
    bool done = false;
    bool abandoned = false;  // the waiter gave up: replies are still read, then dropped
};

// Returns when the entry is done, its deadline has passed or the waiting coroutine is cancelled.
boost::asio::awaitable<void> wait(Pending& pending);

class Connection : public std::enable_shared_from_this<Connection> {
public:
    // Receives the replies that no pending entry waits for (pub/sub messages).
    using PushHandler = std::function<void(Reply)>;

    explicit Connection(const Strand& strand);

    // Resolves, connects, sends AUTH and SELECT (or PING); "" when ready, else the reason.
    boost::asio::awaitable<std::string> open(const RedisUrl& url,
                                             std::chrono::milliseconds timeout);

    bool ready() const { return state_ == State::ready; }
    bool closed() const { return state_ == State::closed; }
    const std::string& failure() const { return failure_; }

    void send(std::shared_ptr<Pending> pending, std::string_view encoded);
    // Sends a command whose replies go to the push handler (SUBSCRIBE).
    void send_untracked(std::string_view encoded);
    void set_push_handler(PushHandler handler) { push_handler_ = std::move(handler); }

    // Resets the connection when its oldest unanswered command is past its deadline: every later
    // reply is then overdue too. Returns whether it did.
    bool reset_if_overdue(Clock::time_point now);

    // Closes the connection; unanswered commands fail with RedisUnavailable(reason).
    void fail(const std::string& reason);

    // Returns once the connection is closed.
    boost::asio::awaitable<void> wait_closed();

private:
    enum class State { idle, opening, ready, closed };

    boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> self);
    boost::asio::awaitable<void> write_loop(std::shared_ptr<Connection> self);
    boost::asio::awaitable<std::string> handshake(const RedisUrl& url);
    void on_reply(Reply reply);
    std::string open_timeout_message() const;

    Strand strand_;
    boost::asio::ip::tcp::resolver resolver_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer open_deadline_;
    boost::asio::steady_timer writer_wakeup_;  // never expires: cancel() wakes the writer
    boost::asio::steady_timer closed_signal_;  // never expires: cancelled once closed
    State state_ = State::idle;
    std::chrono::milliseconds open_timeout_{0};
    std::string endpoint_;
    std::string failure_;
    std::string outgoing_;
    std::string writing_;
    std::deque<std::shared_ptr<Pending>> pending_;
    Decoder decoder_;
    PushHandler push_handler_;
};

}  // namespace companion::cache::detail
