#include "http/server.hpp"

#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "http/server_impl.hpp"
#include "util/log.hpp"

namespace companion::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Server::Impl::Impl(asio::io_context& io_context, ServerOptions server_options,
                   const Router& routes, Handler handler, metrics::Registry& registry)
    : io(io_context),
      options(server_options),
      router(routes),
      pipeline(std::move(handler)),
      acceptor(asio::make_strand(io_context)),
      open_connections_gauge(
          registry.gauge("http_open_connections", "Open client connections").with({})),
      refused_connections(registry
                              .counter("http_connections_refused_total",
                                       "Connections closed at once because HTTP_MAX_CONNECTIONS "
                                       "were open")
                              .with({})) {}

std::shared_ptr<ConnectionSlot> Server::Impl::track(asio::any_io_executor executor) {
    auto slot = std::make_shared<ConnectionSlot>();
    slot->executor = std::move(executor);
    std::lock_guard lock(slots_mutex);
    slot->position = slots.insert(slots.end(), slot);
    return slot;
}

void Server::Impl::untrack(const std::shared_ptr<ConnectionSlot>& slot) {
    std::lock_guard lock(slots_mutex);
    slots.erase(slot->position);
}

asio::awaitable<void> Server::Impl::accept_loop() {
    asio::steady_timer backoff(acceptor.get_executor());
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(
            asio::make_strand(io), asio::as_tuple(asio::use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
            // Out of file descriptors or a transient network error: wait a little, go on.
            log::warn("accept failed", {{"error", std::string_view(ec.message())}});
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (connections.load(std::memory_order_relaxed) >= options.max_connections) {
            refused_connections.inc();
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto executor = socket.get_executor();
        asio::co_spawn(executor, serve(std::move(socket)), [](std::exception_ptr error) {
            if (!error) return;
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                log::error("connection ended by an exception", {{"error", std::string_view(e.what())}});
            } catch (...) {
                log::error("connection ended by a non-standard exception");
            }
        });
    }
}

Server::Server(asio::io_context& io, ServerOptions options, const Router& router,
               Handler pipeline, metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(io, options, router, std::move(pipeline), registry)) {}

Server::~Server() = default;

void Server::listen(const std::string& host, std::uint16_t port) {
    try {
        tcp::resolver resolver(impl_->io);
        const auto endpoints =
            resolver.resolve(host, std::to_string(port), tcp::resolver::passive);
        const tcp::endpoint endpoint = *endpoints.begin();
        auto& acceptor = impl_->acceptor;
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& error) {
        throw std::runtime_error(
            fmt::format("cannot listen on {}:{}: {}", host, port, error.code().message()));
    }
}

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::start() {
    asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), [](std::exception_ptr error) {
        if (!error) return;
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            log::error("the accept loop ended by an exception: no new connections are taken",
                       {{"error", std::string_view(e.what())}});
        } catch (...) {
            log::error("the accept loop ended by a non-standard exception");
        }
    });
}

void Server::begin_drain() {
    impl_->draining = true;
    asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
        boost::system::error_code ignored;
        impl->acceptor.close(ignored);
    });
    std::lock_guard lock(impl_->slots_mutex);
    for (const auto& slot : impl_->slots) {
        asio::post(slot->executor, [slot] {
            if (slot->stream != nullptr && slot->idle) slot->stream->cancel();
        });
    }
}

void Server::close_all_connections() {
    std::lock_guard lock(impl_->slots_mutex);
    for (const auto& slot : impl_->slots) {
        asio::post(slot->executor, [slot] {
            if (slot->stream == nullptr) return;
            // Shut the socket down, not only cancel: a busy connection's next write must fail
            // too, while the descriptor stays valid for the coroutine that owns it.
            boost::system::error_code ignored;
            slot->stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
            slot->stream->cancel();
        });
    }
}

std::size_t Server::requests_in_flight() const { return impl_->in_flight.load(); }

std::size_t Server::open_connections() const { return impl_->connections.load(); }

}  // namespace companion::http
