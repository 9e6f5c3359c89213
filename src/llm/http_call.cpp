#include "llm/http_call.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace companion::llm::detail {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Parser = http::response_parser<http::string_body>;
using IoResult = std::tuple<error_code, std::size_t>;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t header_limit = 64 * 1024;

// The same Beast operations over a plain or a TLS connection.
asio::awaitable<IoResult> write_request(Connection& connection, Request& request) {
    if (auto* tls = connection.tls_stream()) {
        co_return co_await http::async_write(*tls, request, use_tuple);
    }
    co_return co_await http::async_write(connection.socket(), request, use_tuple);
}

asio::awaitable<IoResult> read_header(Connection& connection, Parser& parser) {
    if (auto* tls = connection.tls_stream()) {
        co_return co_await http::async_read_header(*tls, connection.buffer, parser, use_tuple);
    }
    co_return co_await http::async_read_header(connection.socket(), connection.buffer, parser,
                                               use_tuple);
}

asio::awaitable<IoResult> read_some(Connection& connection, Parser& parser) {
    if (auto* tls = connection.tls_stream()) {
        co_return co_await http::async_read_some(*tls, connection.buffer, parser, use_tuple);
    }
    co_return co_await http::async_read_some(connection.socket(), connection.buffer, parser,
                                             use_tuple);
}

bool closed_by_peer(const error_code& error) {
    return error == http::error::end_of_stream || error == http::error::partial_message ||
           error == asio::error::eof || error == asio::error::connection_reset ||
           error == asio::error::broken_pipe || error == asio::ssl::error::stream_truncated;
}

bool is_http_error(const error_code& error) {
    return error.category() == http::make_error_code(http::error::bad_target).category();
}

std::string milliseconds(std::chrono::milliseconds duration) {
    return std::to_string(duration.count()) + " ms";
}

}  // namespace

HttpCall::HttpCall(Transport& transport, const asio::any_io_executor& executor)
    : transport_(transport), executor_(executor), watchdog_(executor) {}

HttpCall::~HttpCall() {
    abort();
}

asio::awaitable<MaybeFailure> HttpCall::start(Request& request, Clock::time_point deadline) {
    // Round 0 may take a kept-alive connection; round 1 only runs when the server had closed it.
    for (int round = 0; round < 2; ++round) {
        parser_.reset();
        connection_ = round == 0 ? transport_.pool().take(Clock::now()) : nullptr;
        if (!connection_) {
            if (auto failed = co_await connect(deadline)) co_return failed;
        }
        Connection* connection = connection_.get();
        watchdog_.arm(deadline, [connection] { connection->close(); });
        auto [write_error, written] = co_await write_request(*connection_, request);
        error_code error = write_error;
        std::string_view doing = "sending the request";
        if (!error) {
            parser_.emplace();
            parser_->header_limit(header_limit);
            parser_->body_limit(boost::none);
            auto [read_error, read] = co_await read_header(*connection_, *parser_);
            if (!read_error) co_return std::nullopt;
            error = read_error;
            doing = "waiting for the answer";
        }
        const bool stale = connection_->reused && !watchdog_.fired() && closed_by_peer(error) &&
                           !(parser_ && parser_->got_some());
        auto failed = failure(error, doing);
        abort();
        if (!stale) co_return failed;
    }
    co_return TransportFailure{TransportFailure::Kind::broken,
                               transport_.url().origin() + " closed the connection twice"};
}

asio::awaitable<MaybeFailure> HttpCall::connect(Clock::time_point deadline) {
    const auto& url = transport_.url();
    const auto& options = transport_.options();
    const auto connect_deadline = std::min(deadline, Clock::now() + options.connect_timeout);
    const auto timed_out = [&]() -> TransportFailure {
        if (Clock::now() >= deadline) {
            return {TransportFailure::Kind::timeout, "the deadline passed while connecting"};
        }
        return {TransportFailure::Kind::connect, "no connection to " + url.origin() + " within " +
                                                     milliseconds(options.connect_timeout) +
                                                     " (LLM_CONNECT_TIMEOUT_SECONDS)"};
    };

    connection_ = std::make_unique<Connection>(transport_.executor(), transport_.tls());
    tcp::resolver resolver(executor_);
    watchdog_.arm(connect_deadline, [&resolver] { resolver.cancel(); });
    auto [resolve_error, endpoints] =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), use_tuple);
    if (watchdog_.fired()) co_return timed_out();
    if (resolve_error) {
        watchdog_.disarm();
        co_return TransportFailure{TransportFailure::Kind::connect,
                                   "cannot resolve " + url.host + ": " + resolve_error.message()};
    }

    Connection* connection = connection_.get();
    watchdog_.arm(connect_deadline, [connection] { connection->close(); });
    auto [connect_error, endpoint] =
        co_await asio::async_connect(connection_->socket(), endpoints, use_tuple);
    if (watchdog_.fired()) co_return timed_out();
    if (connect_error) {
        watchdog_.disarm();
        co_return TransportFailure{
            TransportFailure::Kind::connect,
            "cannot connect to " + url.origin() + ": " + connect_error.message()};
    }
    error_code ignored;
    connection_->socket().set_option(tcp::no_delay(true), ignored);
    if (connection_->tls_stream() != nullptr) {
        auto failed = co_await tls_handshake();
        if (watchdog_.fired()) co_return timed_out();
        if (failed) {
            watchdog_.disarm();
            co_return failed;
        }
    }
    watchdog_.disarm();
    co_return std::nullopt;
}

asio::awaitable<MaybeFailure> HttpCall::tls_handshake() {
    auto& tls = *connection_->tls_stream();
    SSL* ssl = tls.native_handle();
    const auto& url = transport_.url();
    // OpenSSL checks the name itself, so that a mismatch has its own verify result.
    if (url.host_is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str());
    } else {
        SSL_set_tlsext_host_name(ssl, url.host.c_str());
        SSL_set1_host(ssl, url.host.c_str());
    }
    auto [error] = co_await tls.async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (!error) co_return std::nullopt;
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
        co_return TransportFailure{
            TransportFailure::Kind::tls,
            "the TLS certificate of " + url.origin() +
                " was refused: " + X509_verify_cert_error_string(verify) +
                " (certificates are checked against the system's CAs and LLM_CA_FILE)"};
    }
    if (error.category() == asio::error::get_ssl_category()) {
        co_return TransportFailure{
            TransportFailure::Kind::tls,
            "the TLS handshake with " + url.origin() + " failed: " + error.message()};
    }
    co_return TransportFailure{TransportFailure::Kind::connect,
                               "the connection to " + url.origin() +
                                   " broke during the TLS handshake: " + error.message()};
}

TransportFailure HttpCall::failure(const error_code& error, std::string_view doing) const {
    const auto origin = transport_.url().origin();
    const std::string while_doing(doing);
    if (watchdog_.fired()) {
        return {TransportFailure::Kind::timeout, "the deadline passed while " + while_doing};
    }
    if (closed_by_peer(error)) {
        return {TransportFailure::Kind::broken,
                origin + " closed the connection while " + while_doing};
    }
    if (is_http_error(error)) {
        return {TransportFailure::Kind::protocol, origin +
                                                      " sent what is not a valid HTTP/1.1 "
                                                      "answer (" +
                                                      error.message() + ")"};
    }
    return {TransportFailure::Kind::broken, "the connection to " + origin + " failed while " +
                                                while_doing + ": " + error.message()};
}

unsigned HttpCall::status() const {
    return parser_ ? parser_->get().result_int() : 0;
}

std::string HttpCall::header(http::field field) const {
    if (!parser_) return {};
    return std::string(parser_->get()[field]);
}

bool HttpCall::body_done() const {
    return !connection_ || !parser_ || parser_->is_done();
}

asio::awaitable<MaybeFailure> HttpCall::read_body_some(std::string& into) {
    if (!connection_ || !parser_) {
        co_return TransportFailure{TransportFailure::Kind::broken, "the connection is closed"};
    }
    if (parser_->is_done()) co_return std::nullopt;
    auto [error, bytes] = co_await read_some(*connection_, *parser_);
    auto& body = parser_->get().body();
    into.append(body);
    body.clear();
    if (error) co_return failure(error, "reading the answer");
    co_return std::nullopt;
}

asio::awaitable<MaybeFailure> HttpCall::read_body(std::string& into, std::size_t limit) {
    while (!body_done()) {
        if (auto failed = co_await read_body_some(into)) co_return failed;
        if (into.size() > limit) {
            co_return TransportFailure{
                TransportFailure::Kind::protocol,
                "the answer is larger than " + std::to_string(limit) + " bytes"};
        }
    }
    co_return std::nullopt;
}

void HttpCall::set_deadline(Clock::time_point deadline) {
    watchdog_.rearm(deadline);
}

void HttpCall::finish() {
    watchdog_.disarm();
    if (!connection_) return;
    const bool reusable = parser_ && parser_->is_done() && parser_->keep_alive() &&
                          connection_->buffer.size() == 0 && !watchdog_.fired();
    if (reusable) {
        transport_.pool().give_back(std::move(connection_), Clock::now());
    } else {
        abort();
    }
}

void HttpCall::abort() {
    watchdog_.disarm();
    if (!connection_) return;
    connection_->close();
    connection_.reset();
}

}  // namespace companion::llm::detail
