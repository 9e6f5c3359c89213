#include "cache/redis_client.hpp"

#include <cctype>
#include <exception>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cache/redis_client_core.hpp"
#include "cache/redis_protocol.hpp"

namespace companion::cache {
namespace {

namespace asio = boost::asio;

// For messages only: the command name, never its arguments (they may hold secrets).
std::string command_name(const std::string& name) {
    std::string out = name.substr(0, 32);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

RedisClient::RedisClient(asio::any_io_executor executor, std::string_view url, RedisOptions options)
    : core_(std::make_shared<detail::ClientCore>(std::move(executor), parse_redis_url(url),
                                                 options)) {}

RedisClient::~RedisClient() { close(); }

void RedisClient::close() {
    if (!core_) return;
    asio::post(core_->strand(), [core = core_] { core->close(); });
}

asio::awaitable<void> RedisClient::connect() {
    auto core = core_;
    const auto timeout = core->options().connect_timeout + core->options().command_timeout;
    std::vector<std::string> ping{"PING"};
    co_await command(std::move(ping), timeout);
}

asio::awaitable<Reply> RedisClient::command(std::vector<std::string> args) {
    const auto timeout = core_->options().command_timeout;
    return command(std::move(args), timeout);
}

asio::awaitable<Reply> RedisClient::command(std::vector<std::string> args,
                                            std::chrono::milliseconds timeout) {
    auto core = core_;
    std::string encoded;
    detail::append_command(encoded, args);
    auto replies = co_await asio::co_spawn(
        core->strand(), core->execute(std::move(encoded), 1, command_name(args[0]), timeout),
        asio::use_awaitable);
    Reply reply = std::move(replies.front());
    if (reply.is_error()) throw RedisError(reply.text);
    co_return reply;
}

asio::awaitable<std::vector<Reply>> RedisClient::pipeline(
    std::vector<std::vector<std::string>> commands) {
    const auto timeout = core_->options().command_timeout;
    return pipeline(std::move(commands), timeout);
}

asio::awaitable<std::vector<Reply>> RedisClient::pipeline(
    std::vector<std::vector<std::string>> commands, std::chrono::milliseconds timeout) {
    auto core = core_;
    if (commands.empty()) co_return std::vector<Reply>{};
    std::string encoded;
    for (const auto& args : commands) detail::append_command(encoded, args);
    const auto name = "pipeline of " + std::to_string(commands.size()) + " commands";
    co_return co_await asio::co_spawn(
        core->strand(), core->execute(std::move(encoded), commands.size(), name, timeout),
        asio::use_awaitable);
}

asio::awaitable<bool> RedisClient::ping() {
    auto core = core_;
    bool healthy = false;
    try {
        std::vector<std::string> ping{"PING"};
        const auto reply = co_await command(std::move(ping), core->options().ping_timeout);
        healthy = reply.is_string() && reply.text == "PONG";
    } catch (const std::exception&) {
        healthy = false;
    }
    co_return healthy;
}

const RedisUrl& RedisClient::url() const {
    return core_->url();
}

const RedisOptions& RedisClient::options() const {
    return core_->options();
}

}  // namespace companion::cache
