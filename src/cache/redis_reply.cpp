#include "cache/redis_reply.hpp"

#include <charconv>
#include <string>
#include <utility>

#include "cache/redis_errors.hpp"

namespace companion::cache {
namespace {

[[noreturn]] void wrong_type(const Reply& reply, std::string_view wanted) {
    if (reply.is_error()) throw RedisError(reply.text);
    throw RedisTypeError("Redis reply is " + std::string(to_string(reply.type)) + ", expected " +
                         std::string(wanted));
}

}  // namespace

Reply Reply::from_integer(long long value) {
    Reply reply;
    reply.type = Type::integer;
    reply.integer = value;
    return reply;
}

Reply Reply::from_status(std::string value) {
    Reply reply;
    reply.type = Type::status;
    reply.text = std::move(value);
    return reply;
}

Reply Reply::from_string(std::string value) {
    Reply reply;
    reply.type = Type::string;
    reply.text = std::move(value);
    return reply;
}

Reply Reply::from_error(std::string message) {
    Reply reply;
    reply.type = Type::error;
    reply.text = std::move(message);
    return reply;
}

Reply Reply::from_array(std::vector<Reply> elements) {
    Reply reply;
    reply.type = Type::array;
    reply.elements = std::move(elements);
    return reply;
}

const std::string& Reply::as_string() const {
    if (!is_string()) wrong_type(*this, "a string");
    return text;
}

std::optional<std::string> Reply::as_optional_string() const {
    if (is_nil()) return std::nullopt;
    return as_string();
}

long long Reply::as_integer() const {
    if (is_integer()) return integer;
    if (is_string()) {
        long long value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, error] = std::from_chars(text.data(), end, value);
        if (error == std::errc{} && ptr == end && !text.empty()) return value;
    }
    wrong_type(*this, "an integer");
}

const std::vector<Reply>& Reply::as_array() const {
    if (!is_array()) wrong_type(*this, "an array");
    return elements;
}

std::string_view to_string(Reply::Type type) {
    switch (type) {
        case Reply::Type::nil:
            return "nil";
        case Reply::Type::integer:
            return "an integer";
        case Reply::Type::status:
            return "a status";
        case Reply::Type::string:
            return "a bulk string";
        case Reply::Type::error:
            return "an error";
        case Reply::Type::array:
            return "an array";
    }
    return "unknown";
}

}  // namespace companion::cache
