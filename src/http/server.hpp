// The HTTP/1.1 server: accepts connections, runs each as a coroutine, drains on shutdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/message.hpp"

namespace boost::asio {
class io_context;
}
namespace companion::metrics {
class Registry;
}

namespace companion::http {

class Router;

struct ServerOptions {
    std::chrono::seconds keepalive_timeout{75};
    std::chrono::seconds read_timeout{15};
    std::chrono::seconds write_timeout{30};
    std::size_t max_header_bytes = 16384;
    std::size_t max_body_bytes = 65536;
    std::size_t max_connections = 20000;
};

class Server {
public:
    // `pipeline` is the middleware chain ending in dispatch(); `router` resolves each request's
    // route before the chain runs. Both must outlive the server.
    Server(boost::asio::io_context& io, ServerOptions options, const Router& router,
           Handler pipeline, metrics::Registry& registry);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens; throws std::runtime_error naming the address on failure.
    void listen(const std::string& host, std::uint16_t port);
    std::uint16_t port() const;
    // Starts accepting connections.
    void start();

    // Graceful shutdown, step by step: stop accepting; from now on every response closes its
    // connection and idle keep-alive connections are closed.
    void begin_drain();
    // The end of a drain: every connection, busy or not, is closed.
    void close_all_connections();
    std::size_t requests_in_flight() const;
    std::size_t open_connections() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace companion::http
