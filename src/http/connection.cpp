// One client connection: keep-alive loop, limits and timeouts, conversion between Beast messages
// and the service's plain Request/Response.
#include <sys/socket.h>

#include <cerrno>
#include <ctime>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "http/server_impl.hpp"
#include "util/log.hpp"

namespace companion::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// What an idle connection reads into while it waits; the parser grows the buffer when needed.
constexpr std::size_t idle_read_bytes = 512;
constexpr std::size_t buffer_keep_bytes = 8192;
// Lingering close after a refused request: read and drop what the client still sends, so that
// closing does not reset the connection and destroy the error response before it is read.
constexpr std::size_t linger_max_bytes = 1 << 20;
constexpr auto linger_time = std::chrono::seconds(2);

class Counted {
public:
    explicit Counted(std::atomic<std::size_t>& counter) : counter_(counter) { ++counter_; }
    ~Counted() { --counter_; }
    Counted(const Counted&) = delete;
    Counted& operator=(const Counted&) = delete;

private:
    std::atomic<std::size_t>& counter_;
};

std::string_view http_date() {
    thread_local std::time_t cached_second = 0;
    thread_local char text[40] = {};
    const std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        std::tm parts{};
        gmtime_r(&now, &parts);
        std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
        cached_second = now;
    }
    return text;
}

bool is_http_error(const beast::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

// The error the connection answers for a failed header read; nullopt when nobody is left to
// answer (timeout, reset, the client closed).
std::optional<ApiError> rejection_for(const beast::error_code& ec) {
    if (!is_http_error(ec) || ec == bhttp::error::end_of_stream ||
        ec == bhttp::error::partial_message) {
        return std::nullopt;
    }
    if (ec == bhttp::error::header_limit) {
        return ApiError(431, "request_header_too_large",
                        "the request header is larger than the server accepts");
    }
    if (ec == bhttp::error::body_limit) {
        return ApiError(413, "request_too_large",
                        "the request body is larger than MAX_REQUEST_BODY_BYTES allows");
    }
    return ApiError(400, "bad_request", fmt::format("malformed HTTP request: {}", ec.message()));
}

void fill_from_header(Request& request, const bhttp::request_parser<bhttp::string_body>& parser) {
    const auto& message = parser.get();
    request.method_name = message.method_string();
    request.method = parse_method(request.method_name);
    request.target = message.target();
    const auto question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string_view::npos) request.query = request.target.substr(question + 1);
    request.headers.reserve(8);
    for (const auto& field : message) {
        request.headers.emplace_back(field.name_string(), field.value());
    }
}

void resolve_route(const Router& router, Request& request) {
    auto match = router.match(request.method, request.path);
    request.route = match.pattern;
    request.params = std::move(match.params);
    request.allow = std::move(match.allow);
    request.handler = match.route != nullptr ? &match.route->handler : nullptr;
    switch (match.outcome) {
        case RouteMatch::Outcome::found: request.route_outcome = RouteOutcome::found; break;
        case RouteMatch::Outcome::not_found: request.route_outcome = RouteOutcome::not_found; break;
        case RouteMatch::Outcome::method_not_allowed:
            request.route_outcome = RouteOutcome::method_not_allowed;
            break;
    }
}

bool has_line_break(std::string_view text) {
    return text.find_first_of("\r\n") != std::string_view::npos;
}

bool is_framing_header(std::string_view name) {
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
           iequals(name, "Connection") || iequals(name, "Date") || iequals(name, "Content-Type");
}

// The whole response in one contiguous buffer: one write, no per-field buffer sequence. A streamed
// response gets its status line and headers only, framed as chunked (HTTP/1.1) or by the end of
// the connection (HTTP/1.0).
std::string serialize(Response&& response, unsigned version, bool keep_alive, bool head) {
    const bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
    const bool streamed = static_cast<bool>(response.stream);
    std::string out;
    out.reserve(256 + (bodiless || head ? 0 : response.body.size()));
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(response.status);
    out += ' ';
    out += bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
    out += "\r\nDate: ";
    out += http_date();
    out += "\r\n";
    if (!response.content_type.empty() && !has_line_break(response.content_type)) {
        out += "Content-Type: ";
        out += response.content_type;
        out += "\r\n";
    }
    for (const auto& [name, value] : response.headers) {
        // A header must never let a value end the header block (response splitting), and the
        // framing headers are the connection's alone.
        if (has_line_break(name) || has_line_break(value) || is_framing_header(name)) continue;
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    if (streamed) {
        if (version != 10) out += "Transfer-Encoding: chunked\r\n";
    } else if (!bodiless) {
        out += "Content-Length: ";
        out += std::to_string(response.body.size());
        out += "\r\n";
    }
    if (!keep_alive) {
        out += "Connection: close\r\n";
    } else if (version == 10) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    // HEAD: the GET response's headers, Content-Length included, and no body.
    if (!bodiless && !head && !streamed) out += response.body;
    return out;
}

// Chunks of a streamed body on the connection, each written at once.
class ChunkWriter final : public BodyWriter {
public:
    ChunkWriter(beast::tcp_stream& stream, std::chrono::seconds timeout, bool chunked)
        : stream_(stream), timeout_(timeout), chunked_(chunked) {}

    asio::awaitable<bool> write(std::string_view piece) override {
        if (failed_ || peer_closed()) {
            failed_ = true;
            co_return false;
        }
        if (piece.empty()) co_return true;  // an empty chunk would end the body
        std::string framed;
        if (chunked_) {
            framed = fmt::format("{:x}\r\n", piece.size());
            framed.append(piece);
            framed.append("\r\n");
        } else {
            framed.assign(piece);
        }
        stream_.expires_after(timeout_);
        auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(framed), use_tuple);
        if (ec) failed_ = true;
        co_return !failed_;
    }

    // The last chunk; false when the client is gone.
    asio::awaitable<bool> finish() {
        if (failed_) co_return false;
        if (!chunked_) co_return true;
        static constexpr std::string_view last = "0\r\n\r\n";
        stream_.expires_after(timeout_);
        auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(last), use_tuple);
        co_return !ec;
    }

private:
    // The client closed its side: a write would still succeed once, into the kernel's buffer.
    bool peer_closed() {
        char byte = 0;
        const auto received = ::recv(stream_.socket().native_handle(), &byte, 1,
                                     MSG_PEEK | MSG_DONTWAIT);
        return received == 0 || (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }

    beast::tcp_stream& stream_;
    std::chrono::seconds timeout_;
    bool chunked_;
    bool failed_ = false;
};

asio::awaitable<void> lingering_close(beast::tcp_stream& stream) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(linger_time);
    std::array<char, 4096> sink{};
    std::size_t drained = 0;
    while (drained < linger_max_bytes) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
        if (ec) break;
        drained += n;
    }
}

}  // namespace

asio::awaitable<bool> Server::Impl::exchange(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                             const std::string& client_ip) {
    // On the heap, so that a streamed response can let them go (see below): this coroutine's
    // frame lasts as long as the stream.
    auto parser_holder = std::make_unique<bhttp::request_parser<bhttp::string_body>>();
    auto& parser = *parser_holder;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    stream.expires_after(options.read_timeout);

    auto request_holder = std::make_unique<Request>();
    auto& request = *request_holder;
    request.client_ip = client_ip;
    unsigned version = 11;
    bool wants_keep_alive = false;

    auto [header_ec, header_bytes] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    if (header_ec == bhttp::error::body_limit) {
        // Beast checks Content-Length against the limit while finishing the header, which is
        // complete: keep it, so the 413 carries CORS headers, the request id and the route.
        fill_from_header(request, parser);
        version = parser.get().version();
        request.rejection = rejection_for(header_ec);
    } else if (header_ec) {
        request.rejection = rejection_for(header_ec);
        if (!request.rejection) co_return false;
    } else {
        fill_from_header(request, parser);
        version = parser.get().version();
        wants_keep_alive = parser.get().keep_alive();
        const auto length = parser.content_length();
        if (length && *length > options.max_body_bytes) {
            request.rejection = rejection_for(bhttp::error::body_limit);
        } else if (!parser.is_done()) {
            if (version == 11 && iequals(request.header("Expect"), "100-continue")) {
                static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
                auto [ec, n] = co_await asio::async_write(stream, asio::buffer(go_on), use_tuple);
                if (ec) co_return false;
            }
            auto [body_ec, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
            if (body_ec) {
                request.rejection = rejection_for(body_ec);
                if (!request.rejection) co_return false;
            }
        }
        if (!request.rejection) request.body = std::move(parser.get().body());
    }
    resolve_route(router, request);

    Response response = co_await pipeline(request);

    const bool refused = request.rejection.has_value();
    // HTTP/1.0 has no chunks: a streamed body ends with the connection.
    const bool close_delimited = response.stream && version == 10;
    const bool keep_alive = wants_keep_alive && !refused && !response.close_connection &&
                            !close_delimited && !draining.load(std::memory_order_relaxed);
    auto out = serialize(std::move(response), version, keep_alive, request.method == Method::head);
    // serialize() reads the stream's presence and leaves it in place.
    StreamBody body_stream = std::move(response.stream);
    if (request.method == Method::head) body_stream = nullptr;
    stream.expires_after(options.write_timeout);
    auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(out), use_tuple);
    if (write_ec) co_return false;
    if (body_stream) {
        // A stream may last minutes, thousands of them at once: what the request, its parser,
        // the response's head and an empty read buffer hold is not needed while it runs.
        std::string request_id = std::move(request.request_id);
        request_holder.reset();
        parser_holder.reset();
        response = Response{};
        std::string().swap(out);
        if (buffer.size() == 0) buffer.shrink_to_fit();
        ChunkWriter writer(stream, options.write_timeout, !close_delimited);
        std::string failure;
        try {
            co_await body_stream(writer);
        } catch (const std::exception& error) {
            failure = error.what();
        }
        if (!failure.empty()) {
            log::error("streamed response failed", {{"request_id", std::string_view(request_id)},
                                                     {"error", std::string_view(failure)}});
            co_return false;
        }
        const bool finished = co_await writer.finish();
        if (!finished) co_return false;
    }
    // The client may have sent more (a refused body, pipelined requests): closing with unread
    // data would reset the connection and could destroy the response before it is read.
    if (refused || (!keep_alive && wants_keep_alive)) co_await lingering_close(stream);
    co_return keep_alive;
}

// Ends a connection's registration however its coroutine ends (return, exception, destruction).
class ConnectionRegistration {
public:
    ConnectionRegistration(Server::Impl& server, std::shared_ptr<ConnectionSlot> slot)
        : server_(server), slot_(std::move(slot)) {
        server_.open_connections_gauge.inc();
    }
    ~ConnectionRegistration() {
        slot_->stream = nullptr;
        server_.untrack(slot_);
        server_.open_connections_gauge.dec();
    }
    ConnectionRegistration(const ConnectionRegistration&) = delete;
    ConnectionRegistration& operator=(const ConnectionRegistration&) = delete;

private:
    Server::Impl& server_;
    std::shared_ptr<ConnectionSlot> slot_;
};

asio::awaitable<void> Server::Impl::serve(tcp::socket socket) {
    Counted counted(connections);
    boost::system::error_code endpoint_ec;
    const auto remote = socket.remote_endpoint(endpoint_ec);
    const std::string client_ip = endpoint_ec ? std::string() : remote.address().to_string();

    auto slot = track(socket.get_executor());
    beast::tcp_stream stream(std::move(socket));
    slot->stream = &stream;
    ConnectionRegistration registration(*this, slot);
    beast::flat_buffer buffer;
    for (;;) {
        if (buffer.size() == 0) {
            slot->idle = true;
            if (draining.load(std::memory_order_relaxed)) break;
            stream.expires_after(options.keepalive_timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(idle_read_bytes), use_tuple);
            if (ec) break;
            buffer.commit(n);
        }
        slot->idle = false;
        bool again = false;
        {
            Counted busy(in_flight);
            again = co_await exchange(stream, buffer, client_ip);
        }
        if (!again) break;
        if (buffer.size() == 0 && buffer.capacity() > buffer_keep_bytes) buffer.shrink_to_fit();
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
}

}  // namespace companion::http
