#include "cache/rate_limiter_script.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include <openssl/evp.h>

namespace companion::cache::detail {
std::string hex_digest(Digest digest, std::string_view text) {
    const EVP_MD* algorithm = digest == Digest::sha1 ? EVP_sha1() : EVP_sha256();
    std::array<unsigned char, EVP_MAX_MD_SIZE> bytes{};
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), bytes.data(), &size, algorithm, nullptr) != 1) {
        throw std::runtime_error("OpenSSL digest failed");
    }
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) {
        std::array<char, 3> pair{};
        std::snprintf(pair.data(), pair.size(), "%02x", bytes[i]);
        hex.append(pair.data(), 2);
    }
    return hex;
}

RedisScript::RedisScript(std::string source)
    : source_(std::move(source)), sha1_(hex_digest(Digest::sha1, source_)) {}

boost::asio::awaitable<Reply> RedisScript::run(RedisClient& redis, std::vector<std::string> keys,
                                               std::vector<std::string> args) const {
    std::vector<std::string> command{"EVALSHA", sha1_, std::to_string(keys.size())};
    command.insert(command.end(), std::make_move_iterator(keys.begin()),
                   std::make_move_iterator(keys.end()));
    command.insert(command.end(), std::make_move_iterator(args.begin()),
                   std::make_move_iterator(args.end()));
    auto by_sha = command;
    try {
        co_return co_await redis.command(std::move(by_sha));
    } catch (const RedisError& error) {
        if (!std::string_view(error.what()).starts_with("NOSCRIPT")) throw;
    }
    // EVAL also caches the script on the server, so the next EVALSHA finds it.
    command[0] = "EVAL";
    command[1] = source_;
    co_return co_await redis.command(std::move(command));
}

}  // namespace companion::cache::detail
