// Internal to http/: the server's state shared by the accept loop and the connections.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/router.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"

namespace companion::http {

// What a drain needs to reach one connection: touched only on the connection's strand.
struct ConnectionSlot {
    boost::asio::any_io_executor executor;
    boost::beast::tcp_stream* stream = nullptr;  // null once the connection has ended
    bool idle = true;                            // waiting for the first byte of a request
    // Its place in Server::Impl::slots, so that untracking is O(1) (10,000 streams closing at
    // once made a scan of the list the service's top cost). Guarded by slots_mutex.
    std::list<std::shared_ptr<ConnectionSlot>>::iterator position;
};

struct Server::Impl {
    Impl(boost::asio::io_context& io, ServerOptions options, const Router& router,
         Handler pipeline, metrics::Registry& registry);

    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
    // One request and its response; false when the connection must end.
    boost::asio::awaitable<bool> exchange(boost::beast::tcp_stream& stream,
                                          boost::beast::flat_buffer& buffer,
                                          const std::string& client_ip);

    std::shared_ptr<ConnectionSlot> track(boost::asio::any_io_executor executor);
    void untrack(const std::shared_ptr<ConnectionSlot>& slot);

    boost::asio::io_context& io;
    ServerOptions options;
    const Router& router;
    Handler pipeline;
    boost::asio::ip::tcp::acceptor acceptor;

    std::atomic<bool> draining{false};
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::size_t> connections{0};

    std::mutex slots_mutex;
    std::list<std::shared_ptr<ConnectionSlot>> slots;

    metrics::Gauge& open_connections_gauge;
    metrics::Counter& refused_connections;
};

}  // namespace companion::http
