// Internal to llm/: kept-alive connections to the LLM server, plain or TLS, and the pool that
// holds the idle ones (most recently used first) between calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace companion::llm::detail {

using Clock = std::chrono::steady_clock;
using TlsStream = boost::beast::ssl_stream<boost::asio::ip::tcp::socket>;

class Connection {
  public:
    // tls: null for plain HTTP.
    Connection(const boost::asio::any_io_executor& executor, boost::asio::ssl::context* tls);

    boost::asio::ip::tcp::socket& socket();
    TlsStream* tls_stream() { return tls_.get(); }

    // Closes the socket: whatever is pending or comes next on it fails.
    void close();
    // An idle connection with nothing to read: the server has not closed it (a FIN, a TLS
    // close_notify or stray bytes all make it unusable).
    bool looks_alive();

    boost::beast::flat_buffer buffer;
    bool reused = false;  // it came from the pool (the server may have closed it meanwhile)
    Clock::time_point idle_since{};

  private:
    std::unique_ptr<boost::asio::ip::tcp::socket> plain_;
    std::unique_ptr<TlsStream> tls_;
};

class ConnectionPool {
  public:
    ConnectionPool(std::size_t max_idle, std::chrono::milliseconds idle_timeout);

    // The most recently used idle connection that still looks alive, or null.
    std::unique_ptr<Connection> take(Clock::time_point now);
    void give_back(std::unique_ptr<Connection> connection, Clock::time_point now);
    std::size_t idle() const;

  private:
    const std::size_t max_idle_;
    const std::chrono::milliseconds idle_timeout_;
    mutable std::mutex mutex_;
    std::deque<std::unique_ptr<Connection>> idle_;  // oldest first
};

}  // namespace companion::llm::detail
