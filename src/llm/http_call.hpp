// Internal to llm/: one HTTP request to the LLM server and its response, read as it arrives, over
// a kept-alive connection from the pool or a new one. Every step is bounded by a deadline; the
// calling coroutine's executor must be a strand (see Watchdog).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "llm/connection_pool.hpp"
#include "llm/transport.hpp"
#include "llm/watchdog.hpp"

namespace companion::llm::detail {

struct TransportFailure {
    enum class Kind {
        connect,   // no connection (refused, unreachable, DNS, connect timeout)
        tls,       // the TLS handshake failed (certificate not trusted, wrong host name, ...)
        broken,    // the connection failed or closed during the exchange
        timeout,   // the deadline passed
        protocol,  // not HTTP/1.1 we can read, or larger than allowed
    };
    Kind kind;
    std::string message;
};

using MaybeFailure = std::optional<TransportFailure>;

class HttpCall {
  public:
    HttpCall(Transport& transport, const boost::asio::any_io_executor& executor);
    // A connection still held is closed (the exchange did not end cleanly).
    ~HttpCall();
    HttpCall(const HttpCall&) = delete;
    HttpCall& operator=(const HttpCall&) = delete;

    // Connects (or takes a kept-alive connection), sends the request, reads the response head.
    // A kept-alive connection the server closed while it was idle is replaced once, silently.
    boost::asio::awaitable<MaybeFailure> start(Request& request, Clock::time_point deadline);

    unsigned status() const;
    std::string header(boost::beast::http::field field) const;

    bool body_done() const;
    // Appends the next body bytes that arrive (after chunked decoding).
    boost::asio::awaitable<MaybeFailure> read_body_some(std::string& into);
    // Appends the whole body; a failure past `limit` bytes.
    boost::asio::awaitable<MaybeFailure> read_body(std::string& into, std::size_t limit);

    // Moves the deadline of what follows.
    void set_deadline(Clock::time_point deadline);
    Clock::time_point deadline() const { return watchdog_.deadline(); }

    // The response was read whole: the connection goes back to the pool when it can be reused.
    void finish();
    // Closes the connection now (the caller gave up on the answer).
    void abort();

  private:
    boost::asio::awaitable<MaybeFailure> connect(Clock::time_point deadline);
    boost::asio::awaitable<MaybeFailure> tls_handshake();
    TransportFailure failure(const boost::system::error_code& error, std::string_view doing) const;

    Transport& transport_;
    boost::asio::any_io_executor executor_;
    Watchdog watchdog_;
    std::unique_ptr<Connection> connection_;
    std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
};

}  // namespace companion::llm::detail
