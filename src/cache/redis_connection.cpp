#include "cache/redis_connection.hpp"

#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "cache/redis_errors.hpp"

namespace companion::cache::detail {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The first error among the handshake's replies as a message, or "".
std::string handshake_problem(const RedisUrl& url,
                              const std::vector<std::vector<std::string>>& commands,
                              const std::vector<Reply>& replies) {
    const auto at = " (at " + url.endpoint() + ")";
    for (std::size_t i = 0; i < commands.size(); ++i) {
        const auto& reply = replies[i];
        if (!reply.is_error()) continue;
        const auto& name = commands[i][0];
        if (name == "AUTH" || reply.text.starts_with("NOAUTH") ||
            reply.text.starts_with("WRONGPASS")) {
            const auto hint = url.needs_auth()
                                  ? std::string()
                                  : "; the URL has no password: redis://:PASSWORD@host";
            return "Redis AUTH failed: " + reply.text + at + hint;
        }
        const auto what = name == "SELECT" ? "SELECT " + commands[i][1] : name;
        return "Redis " + what + " failed: " + reply.text + at;
    }
    return "";
}

}  // namespace

Pending::Pending(const Strand& strand, std::size_t expected_replies, Clock::time_point deadline,
                 std::string command_name)
    : timer(strand, deadline), expected(expected_replies), name(std::move(command_name)) {
    replies.reserve(expected);
}

void Pending::complete(std::exception_ptr failure) {
    done = true;
    error = std::move(failure);
    timer.cancel();
}

asio::awaitable<void> wait(Pending& pending) {
    if (!pending.done) co_await pending.timer.async_wait(use_tuple);
}

Connection::Connection(const Strand& strand)
    : strand_(strand),
      resolver_(strand),
      socket_(strand),
      open_deadline_(strand),
      writer_wakeup_(strand, Clock::time_point::max()),
      closed_signal_(strand, Clock::time_point::max()) {}

asio::awaitable<std::string> Connection::open(const RedisUrl& url,
                                              std::chrono::milliseconds timeout) {
    auto self = shared_from_this();
    state_ = State::opening;
    endpoint_ = url.endpoint();
    open_timeout_ = timeout;
    open_deadline_.expires_after(timeout);
    open_deadline_.async_wait([self](boost::system::error_code error) {
        if (!error && self->state_ == State::opening) self->fail(self->open_timeout_message());
    });

    const auto unreachable = "Redis at " + endpoint_ + " is unreachable: ";
    auto [resolve_error, endpoints] =
        co_await resolver_.async_resolve(url.host, std::to_string(url.port), use_tuple);
    if (closed()) co_return failure_;
    if (resolve_error) {
        fail(unreachable + "cannot resolve the host (" + resolve_error.message() + ")");
        co_return failure_;
    }
    auto [connect_error, endpoint] = co_await asio::async_connect(socket_, endpoints, use_tuple);
    if (closed()) co_return failure_;
    if (connect_error) {
        fail(unreachable + connect_error.message());
        co_return failure_;
    }
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    socket_.set_option(asio::socket_base::keep_alive(true), ignored);
    asio::co_spawn(strand_, read_loop(self), asio::detached);
    asio::co_spawn(strand_, write_loop(self), asio::detached);

    const std::string problem = co_await handshake(url);
    if (!problem.empty()) fail(problem);
    if (closed()) co_return failure_;
    open_deadline_.cancel();
    state_ = State::ready;
    co_return std::string();
}

// AUTH and SELECT pipelined; PING when there is neither, so a server that wants a password is
// noticed now rather than by the first command.
asio::awaitable<std::string> Connection::handshake(const RedisUrl& url) {
    std::vector<std::vector<std::string>> commands;
    if (!url.username.empty()) commands.push_back({"AUTH", url.username, url.password});
    if (url.username.empty() && !url.password.empty()) commands.push_back({"AUTH", url.password});
    if (url.db != 0) commands.push_back({"SELECT", std::to_string(url.db)});
    if (commands.empty()) commands.push_back({"PING"});

    std::string encoded;
    for (const auto& command : commands) append_command(encoded, command);
    auto pending =
        std::make_shared<Pending>(strand_, commands.size(), open_deadline_.expiry(), "connect");
    send(pending, encoded);
    co_await wait(*pending);
    if (!closed() && !pending->done) {
        pending->abandoned = true;
        co_return open_timeout_message();
    }
    if (closed() || pending->error) co_return failure_;

    co_return handshake_problem(url, commands, pending->replies);
}

std::string Connection::open_timeout_message() const {
    return "Redis at " + endpoint_ + " did not answer within " +
           std::to_string(open_timeout_.count()) + " ms while connecting";
}

void Connection::send(std::shared_ptr<Pending> pending, std::string_view encoded) {
    pending->sent = true;
    pending->sent_on = weak_from_this();
    pending_.push_back(std::move(pending));
    send_untracked(encoded);
}

void Connection::send_untracked(std::string_view encoded) {
    outgoing_.append(encoded);
    writer_wakeup_.cancel();
}

bool Connection::reset_if_overdue(Clock::time_point now) {
    if (closed() || pending_.empty() || pending_.front()->timer.expiry() > now) return false;
    fail("Redis connection to " + endpoint_ + " was reset: the reply to " + pending_.front()->name +
         " was overdue");
    return true;
}

void Connection::fail(const std::string& reason) {
    if (closed()) return;
    state_ = State::closed;
    failure_ = reason;
    boost::system::error_code ignored;
    socket_.close(ignored);
    resolver_.cancel();
    open_deadline_.cancel();
    writer_wakeup_.cancel();
    closed_signal_.cancel();
    auto unanswered = std::move(pending_);
    pending_.clear();
    const auto error = std::make_exception_ptr(RedisUnavailable(reason));
    for (const auto& pending : unanswered) {
        if (!pending->done && !pending->abandoned) pending->complete(error);
    }
}

asio::awaitable<void> Connection::wait_closed() {
    while (!closed()) co_await closed_signal_.async_wait(use_tuple);
}

asio::awaitable<void> Connection::read_loop([[maybe_unused]] std::shared_ptr<Connection> self) {
    std::vector<char> buffer(16 * 1024);
    while (!closed()) {
        auto [error, size] = co_await socket_.async_read_some(asio::buffer(buffer), use_tuple);
        if (error == asio::error::eof) fail("Redis at " + endpoint_ + " closed the connection");
        if (error) fail("Redis connection to " + endpoint_ + " failed: " + error.message());
        if (closed()) co_return;
        decoder_.feed(buffer.data(), size);
        while (!closed()) {
            auto reply = decoder_.next();
            if (!reply) break;
            on_reply(std::move(*reply));
        }
        if (!decoder_.error().empty()) {
            fail("Redis connection to " + endpoint_ +
                 " was reset: protocol error: " + decoder_.error());
        }
    }
}

asio::awaitable<void> Connection::write_loop([[maybe_unused]] std::shared_ptr<Connection> self) {
    while (!closed()) {
        if (outgoing_.empty()) {
            co_await writer_wakeup_.async_wait(use_tuple);
            continue;
        }
        writing_.swap(outgoing_);
        auto [error, size] = co_await asio::async_write(socket_, asio::buffer(writing_), use_tuple);
        writing_.clear();
        if (error) fail("Redis connection to " + endpoint_ + " failed: " + error.message());
    }
}

void Connection::on_reply(Reply reply) {
    if (pending_.empty()) {
        if (push_handler_) {
            push_handler_(std::move(reply));
            return;
        }
        fail("Redis connection to " + endpoint_ + " was reset: a reply nobody waited for");
        return;
    }
    auto& front = pending_.front();
    front->replies.push_back(std::move(reply));
    if (front->replies.size() < front->expected) return;
    auto finished = std::move(front);
    pending_.pop_front();
    if (!finished->abandoned) finished->complete();
}

}  // namespace companion::cache::detail
