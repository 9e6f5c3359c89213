#include "support/http_client.hpp"

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace companion::testing {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Asio's blocking reads ignore SO_RCVTIMEO (they poll again on EAGAIN), so reads wait for
// readability with poll() first, against a deadline.
bool wait_readable(tcp::socket& socket, std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd descriptor{socket.native_handle(), POLLIN, 0};
    return ::poll(&descriptor, 1, static_cast<int>(std::max<long>(left.count(), 0))) > 0;
}

// A SyncReadStream for Beast whose reads fail with timed_out past the deadline.
struct DeadlineStream {
    tcp::socket& socket;
    std::chrono::steady_clock::time_point deadline;

    template <class Buffers>
    std::size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
        if (!wait_readable(socket, deadline)) {
            ec = asio::error::timed_out;
            return 0;
        }
        return socket.read_some(buffers, ec);
    }
    template <class Buffers>
    std::size_t read_some(const Buffers& buffers) {
        boost::system::error_code ec;
        const auto n = read_some(buffers, ec);
        if (ec) throw boost::system::system_error(ec);
        return n;
    }
};

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

bool HttpResponse::has_header(const std::string& name) const { return headers.count(name) > 0; }

struct HttpClient::Impl {
    asio::io_context io;
    tcp::socket socket{io};
    boost::beast::flat_buffer buffer;
    std::chrono::milliseconds timeout;
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->timeout = timeout;
    impl_->socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 const Headers& headers, std::string body) {
    bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
    request.method_string(method);
    request.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        request.body() = std::move(body);
        request.prepare_payload();
    }
    bhttp::write(impl_->socket, request);
    return read_response(method == "HEAD");
}

HttpResponse HttpClient::get(std::string_view target, const Headers& headers) {
    return request("GET", target, headers);
}

void HttpClient::send_raw(std::string_view bytes) {
    asio::write(impl_->socket, asio::buffer(bytes.data(), bytes.size()));
}

HttpResponse HttpClient::read_response(bool response_to_head) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(response_to_head);
    DeadlineStream stream{impl_->socket, std::chrono::steady_clock::now() + impl_->timeout};
    bhttp::read(stream, impl_->buffer, parser);
    auto& message = parser.get();
    HttpResponse response;
    response.status = message.result_int();
    for (const auto& field : message) {
        response.headers.emplace(lower(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    response.keep_alive = message.keep_alive();
    return response;
}

std::string HttpClient::read_raw_until(std::string_view needle, int times) {
    DeadlineStream stream{impl_->socket, std::chrono::steady_clock::now() + impl_->timeout};
    std::string seen(static_cast<const char*>(impl_->buffer.data().data()), impl_->buffer.size());
    impl_->buffer.consume(impl_->buffer.size());
    const auto count = [&seen, needle] {
        int found = 0;
        for (auto at = seen.find(needle); at != std::string::npos; at = seen.find(needle, at + 1)) {
            ++found;
        }
        return found;
    };
    char scratch[4096];
    while (count() < times) {
        boost::system::error_code ec;
        const auto n = stream.read_some(asio::buffer(scratch), ec);
        if (ec) throw std::runtime_error("read_raw_until: " + ec.message() + " after: " + seen);
        seen.append(scratch, n);
    }
    return seen;
}

void HttpClient::close() {
    boost::system::error_code ignored;
    impl_->socket.close(ignored);
}

bool HttpClient::closed_by_peer(std::chrono::milliseconds wait) {
    DeadlineStream stream{impl_->socket, std::chrono::steady_clock::now() + wait};
    char scratch[4096];
    for (;;) {
        boost::system::error_code ec;
        stream.read_some(asio::buffer(scratch), ec);
        if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
        if (ec) return false;  // timed out: still open
    }
}

}  // namespace companion::testing
