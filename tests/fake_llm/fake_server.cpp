#include "fake_server.hpp"

#include <array>
#include <chrono>
#include <stdexcept>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "fake_server_impl.hpp"

namespace companion::fake_llm {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

tcp::socket& lowest(tcp::socket& socket) {
    return socket;
}
tcp::socket& lowest(asio::ssl::stream<tcp::socket>& stream) {
    return stream.next_layer();
}

template <class Stream>
class StreamAdapter : public ClientStream {
  public:
    explicit StreamAdapter(Stream& stream) : stream_(stream) {}

    Task<bool> write(std::string_view bytes) override {
        auto [error, written] = co_await asio::async_write(stream_, asio::buffer(bytes), use_tuple);
        co_return !error;
    }

    Task<void> wait_until_closed() override {
        std::array<char, 1024> scratch{};
        for (;;) {
            auto [error, read] = co_await stream_.async_read_some(asio::buffer(scratch), use_tuple);
            if (error) co_return;
        }
    }

    void shutdown() override {
        boost::system::error_code ignored;
        lowest(stream_).shutdown(tcp::socket::shutdown_both, ignored);
    }

  private:
    Stream& stream_;
};

// Requests of one connection, one after the other (keep-alive).
template <class Stream>
Task<void> session(FakeServer::Impl& server, Stream& stream) {
    StreamAdapter<Stream> client(stream);
    beast::flat_buffer buffer;
    bool api_connection = false;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        auto [error, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (error) co_return;
        Request request = parser.release();
        if (!co_await server.handle(client, request, api_connection)) co_return;
    }
}

}  // namespace

FakeServer::Impl::Impl(asio::io_context& io_context, ServerConfig server_config)
    : io(io_context), config(std::move(server_config)), acceptor(io_context) {
    if (!config.tls_cert_file.empty()) {
        tls.emplace(asio::ssl::context::tls_server);
        tls->use_certificate_chain_file(config.tls_cert_file);
        tls->use_private_key_file(config.tls_key_file, asio::ssl::context::pem);
    }
    base = config.behaviour;
    behaviour = parse_behaviour(base);
    const tcp::endpoint endpoint(asio::ip::make_address(config.host), config.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
}

Task<void> FakeServer::Impl::accept_loop(std::shared_ptr<Impl> self) {
    asio::steady_timer backoff(io);
    for (;;) {
        auto [error, socket] = co_await acceptor.async_accept(use_tuple);
        if (error == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (error) {
            // Out of descriptors under a benchmark: wait a little and go on.
            backoff.expires_after(std::chrono::milliseconds(20));
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        asio::co_spawn(io, serve(std::move(socket), self), asio::detached);
    }
}

Task<void> FakeServer::Impl::serve(tcp::socket socket,
                                   [[maybe_unused]] std::shared_ptr<Impl> self) {
    ++connections_accepted;
    ++connections_open;
    if (tls) {
        asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls);
        auto [error] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
        if (error) {
            ++tls_handshake_failures;
        } else {
            co_await session(*this, stream);
        }
        boost::system::error_code ignored;
        stream.next_layer().close(ignored);
    } else {
        co_await session(*this, socket);
        boost::system::error_code ignored;
        socket.close(ignored);
    }
    --connections_open;
}

Task<bool> FakeServer::Impl::handle(ClientStream& stream, Request& request, bool& api_connection) {
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    const bool keep_alive = request.keep_alive();
    if (path.starts_with("/_")) {
        int status = 200;
        const std::string body = control(request, status);
        co_return co_await answer(
            stream, response_text(status, "application/json", body, keep_alive), keep_alive);
    }
    ++requests;
    if (!api_connection) {
        api_connection = true;
        ++api_connections;
    }
    const std::size_t record = record_request(request);
    if (path.ends_with("/chat/completions") && request.method() == http::verb::post) {
        co_return co_await chat(stream, request, record);
    }
    if (path.ends_with("/embeddings") && request.method() == http::verb::post) {
        co_return co_await embeddings(stream, request, record);
    }
    if (path.ends_with("/models") && request.method() == http::verb::get) {
        co_return co_await models(stream, request, record);
    }
    note(record, "status", 404);
    co_return co_await answer(
        stream,
        response_text(404, "application/json", error_body(404, "no such endpoint"), keep_alive),
        keep_alive);
}

std::string FakeServer::Impl::control(const Request& request, int& status) {
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    if (path == "/_requests" && request.method() == http::verb::get) {
        return json::serialize(records);
    }
    if (path == "/_stats" && request.method() == http::verb::get) {
        return json::serialize(stats());
    }
    if (path == "/_reset" && request.method() == http::verb::post) {
        base = config.behaviour;
        behaviour = parse_behaviour(base);
        sequence.clear();
        records.clear();
        connections_accepted = 0;
        api_connections = 0;
        requests = 0;
        chat_requests = 0;
        max_chat_in_flight = chat_in_flight;
        tls_handshake_failures = 0;
        return R"({"ok":true})";
    }
    if (path == "/_control" && request.method() == http::verb::post) {
        try {
            json::value parsed = json::parse(request.body());
            if (!parsed.is_object()) throw BadBehaviour("the body must be a JSON object");
            json::object object = parsed.as_object();
            std::deque<json::object> steps;
            if (const auto* given = object.if_contains("sequence")) {
                if (!given->is_array()) throw BadBehaviour("sequence must be an array of objects");
                for (const auto& step : given->get_array()) {
                    if (!step.is_object())
                        throw BadBehaviour("sequence must be an array of objects");
                    parse_behaviour(overlay(object, step.get_object()));
                    steps.push_back(step.get_object());
                }
                object.erase("sequence");
            }
            behaviour = parse_behaviour(object);
            base = std::move(object);
            sequence = std::move(steps);
            return R"({"ok":true})";
        } catch (const std::exception& error) {
            status = 400;
            return error_body(400, error.what());
        }
    }
    status = 404;
    return error_body(404, "no such control endpoint");
}

Behaviour FakeServer::Impl::next_behaviour() {
    if (sequence.empty()) return behaviour;
    json::object step = std::move(sequence.front());
    sequence.pop_front();
    return parse_behaviour(overlay(base, step));
}

std::size_t FakeServer::Impl::record_request(const Request& request) {
    if (!config.record) return no_record;
    json::object headers;
    for (const auto& field : request) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        headers[name] = field.value();
    }
    json::error_code ec;
    json::value body = json::parse(request.body(), ec);
    if (ec) body = json::string(request.body());
    records.push_back(json::object{{"id", next_id++},
                                   {"method", request.method_string()},
                                   {"path", request.target()},
                                   {"headers", std::move(headers)},
                                   {"body", std::move(body)},
                                   {"status", 0},
                                   {"outcome", "pending"},
                                   {"tokens_sent", 0}});
    return records.size() - 1;
}

void FakeServer::Impl::note(std::size_t record, std::string_view key, json::value value) {
    if (record == no_record || record >= records.size()) return;
    records[record].as_object()[key] = std::move(value);
}

bool FakeServer::Impl::authorized(const Behaviour& b, const Request& request) const {
    if (b.require_api_key.empty()) return true;
    return request[http::field::authorization] == "Bearer " + b.require_api_key;
}

json::object FakeServer::Impl::stats() const {
    return json::object{{"connections_accepted", connections_accepted},
                        {"api_connections", api_connections},
                        {"connections_open", connections_open},
                        {"requests", requests},
                        {"chat_requests", chat_requests},
                        {"chat_in_flight", chat_in_flight},
                        {"max_chat_in_flight", max_chat_in_flight},
                        {"tls_handshake_failures", tls_handshake_failures}};
}

Task<bool> FakeServer::Impl::models(ClientStream& stream, const Request& request,
                                    std::size_t record) {
    const bool keep_alive = request.keep_alive();
    const Behaviour& b = behaviour;
    if (!authorized(b, request)) {
        note(record, "status", 401);
        co_return co_await answer(
            stream,
            response_text(401, "application/json", error_body(401, "invalid API key"), keep_alive),
            keep_alive);
    }
    note(record, "status", b.models_status);
    note(record, "outcome", "completed");
    std::string body;
    if (b.models_status != 200) {
        body = error_body(b.models_status, b.error_message);
    } else {
        body = json::serialize(
            json::object{{"object", "list"},
                         {"data", json::array{json::object{{"id", b.model},
                                                           {"object", "model"},
                                                           {"created", 0},
                                                           {"owned_by", "fake-llm"}}}}});
    }
    co_return co_await answer(
        stream, response_text(b.models_status, "application/json", body, keep_alive), keep_alive);
}

FakeServer::FakeServer(asio::io_context& io, ServerConfig config)
    : impl_(std::make_shared<Impl>(io, std::move(config))) {}

FakeServer::~FakeServer() {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
}

std::uint16_t FakeServer::port() const {
    return impl_->acceptor.local_endpoint().port();
}

void FakeServer::start() {
    asio::co_spawn(impl_->io, impl_->accept_loop(impl_), asio::detached);
}

}  // namespace companion::fake_llm
