// Internal: RESP encoding and decoding, hiredis used for the protocol only (no hiredis sockets).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "cache/redis_reply.hpp"

struct redisReader;

namespace companion::cache::detail {

// Appends the command in RESP (binary-safe arguments) to `out`. Throws std::invalid_argument for
// an empty command.
void append_command(std::string& out, const std::vector<std::string>& args);

// Parses the replies of a byte stream.
class Decoder {
public:
    Decoder();
    ~Decoder();
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    void feed(const char* data, std::size_t size);
    // The next complete reply; nullopt when more bytes are needed or the stream is broken.
    std::optional<Reply> next();
    // Empty unless the stream broke the protocol (then nothing more is decoded).
    const std::string& error() const { return error_; }

private:
    redisReader* reader_;
    std::string error_;
};

}  // namespace companion::cache::detail
