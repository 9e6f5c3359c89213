#include "cache/redis_protocol.hpp"

#include <hiredis/hiredis.h>

#include <memory>
#include <new>
#include <stdexcept>
#include <utility>

namespace companion::cache::detail {
namespace {

Reply convert(const redisReply& in) {
    switch (in.type) {
        case REDIS_REPLY_INTEGER:
            return Reply::from_integer(in.integer);
        case REDIS_REPLY_STATUS:
            return Reply::from_status(std::string(in.str, in.len));
        case REDIS_REPLY_STRING:
            return Reply::from_string(std::string(in.str, in.len));
        case REDIS_REPLY_ERROR:
            return Reply::from_error(std::string(in.str, in.len));
        case REDIS_REPLY_ARRAY: {
            std::vector<Reply> elements;
            elements.reserve(in.elements);
            for (std::size_t i = 0; i < in.elements; ++i)
                elements.push_back(convert(*in.element[i]));
            return Reply::from_array(std::move(elements));
        }
        default:
            return Reply{};
    }
}

}  // namespace

void append_command(std::string& out, const std::vector<std::string>& args) {
    if (args.empty()) throw std::invalid_argument("a Redis command needs at least its name");
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    char* encoded = nullptr;
    const int size = redisFormatCommandArgv(&encoded, static_cast<int>(args.size()), argv.data(),
                                            lengths.data());
    if (size < 0 || encoded == nullptr) throw std::bad_alloc();
    out.append(encoded, static_cast<std::size_t>(size));
    redisFreeCommand(encoded);
}

Decoder::Decoder() : reader_(redisReaderCreate()) {
    if (reader_ == nullptr) throw std::bad_alloc();
}

Decoder::~Decoder() {
    redisReaderFree(reader_);
}

void Decoder::feed(const char* data, std::size_t size) {
    if (!error_.empty()) return;
    if (redisReaderFeed(reader_, data, size) != REDIS_OK) error_ = reader_->errstr;
}

std::optional<Reply> Decoder::next() {
    if (!error_.empty()) return std::nullopt;
    void* raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
        error_ = reader_->errstr[0] != '\0' ? reader_->errstr : "malformed reply";
        return std::nullopt;
    }
    if (raw == nullptr) return std::nullopt;
    const std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                             freeReplyObject);
    return convert(*reply);
}

}  // namespace companion::cache::detail
