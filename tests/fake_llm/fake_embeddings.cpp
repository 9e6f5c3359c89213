// The fake server's embeddings: deterministic vectors (fake_embedding.hpp), staged failures.
#include <algorithm>

#include <fmt/format.h>

#include "fake_embedding.hpp"
#include "fake_server_impl.hpp"

namespace companion::fake_llm {

namespace json = boost::json;

Task<bool> FakeServer::Impl::embeddings(ClientStream& stream, const Request& request,
                                        std::size_t record) {
    const Behaviour b = next_behaviour();
    const bool keep_alive = request.keep_alive() && !b.close_connection;
    int status = 200;
    std::string message;
    json::error_code ec;
    const json::value parsed = json::parse(request.body(), ec);
    std::vector<std::string> inputs;
    int dimensions = b.embedding_dimensions;
    if (!authorized(b, request)) {
        status = 401;
        message = "invalid API key";
    } else if (b.hang) {
        note(record, "outcome", "hanging");
        co_await stream.wait_until_closed();
        note(record, "outcome", "client_closed");
        co_return false;
    } else if (ec || !parsed.is_object()) {
        status = 400;
        message = "the body must be a JSON object";
    } else {
        const auto& body = parsed.as_object();
        if (const auto* given = body.if_contains("dimensions"); given && given->is_int64()) {
            dimensions = static_cast<int>(std::max<std::int64_t>(1, given->get_int64()));
        }
        const json::value* input = body.if_contains("input");
        if (input != nullptr && input->is_string()) {
            inputs.emplace_back(input->get_string());
        } else if (input != nullptr && input->is_array()) {
            for (const auto& item : input->get_array()) {
                if (item.is_string()) inputs.emplace_back(item.get_string());
            }
        }
        if (inputs.empty()) {
            status = 400;
            message = "input must be a string or an array of strings";
        } else if (b.status != 200) {
            status = b.status;
            message = b.error_message;
        }
    }
    co_await sleep_ms(b.first_token_delay_ms);
    std::string extra;
    std::string body;
    if (status != 200) {
        note(record, "outcome", "error_status");
        if (b.retry_after >= 0) extra = fmt::format("Retry-After: {}\r\n", b.retry_after);
        body = error_body(status, message);
    } else {
        json::array data;
        int words = 0;
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            json::array vector;
            for (const float component : fake_embedding(inputs[i], dimensions)) {
                vector.push_back(static_cast<double>(component));
            }
            words += count_words(inputs[i]);
            data.push_back(json::object{
                {"object", "embedding"}, {"index", i}, {"embedding", std::move(vector)}});
        }
        body = json::serialize(json::object{
            {"object", "list"},
            {"data", std::move(data)},
            {"model", b.model},
            {"usage", json::object{{"prompt_tokens", words}, {"total_tokens", words}}}});
        note(record, "outcome", "completed");
    }
    note(record, "status", status);
    co_return co_await answer(
        stream, response_text(status, "application/json", body, keep_alive, extra), keep_alive);
}

}  // namespace companion::fake_llm
