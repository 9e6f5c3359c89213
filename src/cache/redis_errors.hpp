// The exceptions of the Redis client. RedisTimeout is a RedisUnavailable: callers that fall back
// when Redis cannot answer handle both with one catch.
#pragma once

#include <stdexcept>

namespace companion::cache {

class RedisException : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The server answered with an error reply; what() is the server's message ("WRONGTYPE ...").
class RedisError : public RedisException {
public:
    using RedisException::RedisException;
};

// No answer: not connected, the connection broke or was reset, or the client was closed. A
// command that had been sent may or may not have run.
class RedisUnavailable : public RedisException {
public:
    using RedisException::RedisException;
};

// No answer within the command's deadline.
class RedisTimeout : public RedisUnavailable {
public:
    using RedisUnavailable::RedisUnavailable;
};

// A reply read as another type than it has (as_integer() on an array, ...).
class RedisTypeError : public RedisException {
public:
    using RedisException::RedisException;
};

}  // namespace companion::cache
