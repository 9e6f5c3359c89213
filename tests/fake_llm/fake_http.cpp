// The fake server's small HTTP and OpenAI helpers.
#include <chrono>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/status.hpp>

#include "fake_server_impl.hpp"

namespace companion::fake_llm {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

std::string response_text(int status, std::string_view content_type, std::string_view body,
                          bool keep_alive, std::string_view extra_headers) {
    return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}{}\r\n{}",
                       status, http::obsolete_reason(static_cast<http::status>(status)),
                       content_type, body.size(), keep_alive ? "" : "Connection: close\r\n",
                       extra_headers, body);
}

Task<bool> answer(ClientStream& stream, std::string text, bool keep_alive) {
    const bool written = co_await stream.write(text);
    co_return written&& keep_alive;
}

std::string error_body(int status, const std::string& message) {
    const char* type = status == 401   ? "authentication_error"
                       : status == 429 ? "rate_limit_error"
                       : status >= 500 ? "server_error"
                                       : "invalid_request_error";
    return json::serialize(json::object{
        {"error", json::object{{"message", message}, {"type", type}, {"code", status}}}});
}

Task<void> sleep_ms(int milliseconds) {
    if (milliseconds <= 0) co_return;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(std::chrono::milliseconds(milliseconds));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

int count_words(std::string_view text) {
    int words = 0;
    bool in_word = false;
    for (const char c : text) {
        const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (!space && !in_word) ++words;
        in_word = !space;
    }
    return words;
}

std::int64_t unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace companion::fake_llm
