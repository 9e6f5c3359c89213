// Internal to the fake server: its state, the handlers of its endpoints (fake_server.cpp,
// fake_chat.cpp, fake_embeddings.cpp) and the client connection they write to, plain or TLS.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>

#include "behaviour.hpp"
#include "fake_server.hpp"

namespace companion::fake_llm {

template <class T>
using Task = boost::asio::awaitable<T>;
using Request = boost::beast::http::request<boost::beast::http::string_body>;

constexpr std::size_t no_record = static_cast<std::size_t>(-1);

// The client's connection as the handlers see it.
class ClientStream {
  public:
    virtual ~ClientStream() = default;
    // False when the client is gone.
    virtual Task<bool> write(std::string_view bytes) = 0;
    // Reads (and drops) until the client closes the connection.
    virtual Task<void> wait_until_closed() = 0;
    // Ends the connection abruptly (a staged disconnect).
    virtual void shutdown() = 0;
};

// A whole HTTP/1.1 response with a Content-Length.
std::string response_text(int status, std::string_view content_type, std::string_view body,
                          bool keep_alive, std::string_view extra_headers = {});
// Writes a response; true when the connection may serve the next request.
Task<bool> answer(ClientStream& stream, std::string text, bool keep_alive);
// An OpenAI error body.
std::string error_body(int status, const std::string& message);
Task<void> sleep_ms(int milliseconds);
int count_words(std::string_view text);
std::int64_t unix_seconds();

struct FakeServer::Impl : std::enable_shared_from_this<FakeServer::Impl> {
    Impl(boost::asio::io_context& io_context, ServerConfig server_config);

    Task<void> accept_loop(std::shared_ptr<Impl> self);
    Task<void> serve(boost::asio::ip::tcp::socket socket, std::shared_ptr<Impl> self);
    // `api_connection` becomes true at the connection's first non-control request.
    Task<bool> handle(ClientStream& stream, Request& request, bool& api_connection);
    Task<bool> chat(ClientStream& stream, const Request& request, std::size_t record);
    Task<bool> stream_chat(ClientStream& stream, const Behaviour& b, bool keep_alive,
                           const std::vector<std::string>& tokens, const std::string& finish,
                           bool include_usage, int prompt_tokens, std::size_t record);
    Task<bool> send_event(ClientStream& stream, const Behaviour& b, std::string_view payload);
    Task<bool> embeddings(ClientStream& stream, const Request& request, std::size_t record);
    Task<bool> models(ClientStream& stream, const Request& request, std::size_t record);

    std::string control(const Request& request, int& status);
    Behaviour next_behaviour();
    std::size_t record_request(const Request& request);
    void note(std::size_t record, std::string_view key, boost::json::value value);
    bool authorized(const Behaviour& b, const Request& request) const;
    boost::json::object stats() const;

    boost::asio::io_context& io;
    ServerConfig config;
    boost::asio::ip::tcp::acceptor acceptor;
    std::optional<boost::asio::ssl::context> tls;

    boost::json::object base;
    Behaviour behaviour;
    std::deque<boost::json::object> sequence;
    boost::json::array records;
    std::uint64_t next_id = 0;

    std::uint64_t connections_accepted = 0;
    std::uint64_t api_connections = 0;  // connections that carried an API (not control) request
    std::uint64_t connections_open = 0;
    std::uint64_t requests = 0;
    std::uint64_t chat_requests = 0;
    std::uint64_t chat_in_flight = 0;
    std::uint64_t max_chat_in_flight = 0;
    std::uint64_t tls_handshake_failures = 0;
};

}  // namespace companion::fake_llm
