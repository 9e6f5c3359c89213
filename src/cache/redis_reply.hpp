// A Redis (RESP2) reply: nil, integer, status, bulk string, error, or an array of replies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace companion::cache {

struct Reply {
    enum class Type { nil, integer, status, string, error, array };

    Type type = Type::nil;
    long long integer = 0;
    std::string text;             // status, bulk string or error message (binary-safe)
    std::vector<Reply> elements;  // array

    static Reply from_integer(long long value);
    static Reply from_status(std::string value);
    static Reply from_string(std::string value);
    static Reply from_error(std::string message);
    static Reply from_array(std::vector<Reply> elements);

    bool is_nil() const { return type == Type::nil; }
    bool is_integer() const { return type == Type::integer; }
    bool is_error() const { return type == Type::error; }
    bool is_array() const { return type == Type::array; }
    // A bulk string or a status.
    bool is_string() const { return type == Type::string || type == Type::status; }

    // The text of a bulk string or status. An error reply throws RedisError with the server's
    // message; any other type throws RedisTypeError.
    const std::string& as_string() const;
    // nullopt for nil, else as_string().
    std::optional<std::string> as_optional_string() const;
    // An integer reply, or a string holding a decimal integer (GET of a counter).
    long long as_integer() const;
    const std::vector<Reply>& as_array() const;

    bool operator==(const Reply&) const = default;
};

std::string_view to_string(Reply::Type type);

}  // namespace companion::cache
