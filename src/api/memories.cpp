// /api/v1/memories: what the companion remembers about the caller. List (newest first), read,
// tell it something to remember (a near-duplicate refreshes the memory it repeats), search by
// meaning with scores, change, forget one, forget everything. Writes go through
// memory::MemoryService, so that this replica's index and the other replicas hear of them.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "api/chat_common.hpp"
#include "api/json.hpp"
#include "api/json_input.hpp"
#include "api/query.hpp"
#include "api/resource_json.hpp"
#include "api/routes.hpp"
#include "config/settings.hpp"
#include "http/router.hpp"
#include "llm/llm_error.hpp"
#include "memory/memory_service.hpp"
#include "store/store.hpp"

namespace companion::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr double kDefaultImportance = 0.5;
// k when LONG_TERM_MEMORY_TOP_K is 0 (recall off in the chat): a search still answers something.
constexpr int kFallbackTopK = 5;
constexpr int kMaxTopK = 100;

http::ApiError not_found() {
    return http::ApiError(404, "not_found", "memory not found");
}

// Trimmed; not blank, at most MAX_MESSAGE_LENGTH characters, like a chat message.
const TextRule kContentRule{.min_code_points = 0, .trim = true};

std::string checked_content(std::string text, const Services& services) {
    check_chat_message(text, "content", services.settings.max_message_length);
    return text;
}

// The embedder's failures (EMBEDDING_PROVIDER=openai) answer as the chat's LLM failures do:
// 503 llm_unavailable, 504 llm_timeout, 502 llm_error. Nothing was stored: embedding comes first.
template <class T>
asio::awaitable<T> embedding_errors_mapped(asio::awaitable<T> call) {
    std::optional<llm::LlmError> failed;
    try {
        co_return co_await std::move(call);
    } catch (const llm::LlmError& error) {
        failed = error;
    }
    throw to_api_error(*failed);
}

// A real number from min to max, else 422 naming the parameter.
double query_number(const QueryParams& query, std::string_view name, double min, double max,
                    double fallback) {
    const auto text = query.text(name);
    if (!text) return fallback;
    double value = 0;
    const auto* first = text->data();
    const auto* last = first + text->size();
    const auto [end, error] = std::from_chars(first, last, value);
    if (text->empty() || error != std::errc{} || end != last || !std::isfinite(value) ||
        value < min || value > max) {
        throw http::ApiError(
            422, "invalid_field",
            fmt::format("query parameter \"{}\" must be a number from {} to {}", name, min, max));
    }
    return value;
}

asio::awaitable<http::Response> list(Services& services, http::Request& request) {
    const QueryParams query(request, {"limit", "cursor"});
    const auto page = page_request(query);
    const auto rows =
        co_await services.store.list_memories(request.user_id, page.limit, page.cursor);
    json::array items;
    for (const auto& memory : rows.rows) items.push_back(memory_json(memory));
    json::object body;
    body["memories"] = std::move(items);
    body["next_cursor"] = rows.next_cursor ? json::value(*rows.next_cursor) : json::value(nullptr);
    co_return json_response(200, body);
}

asio::awaitable<http::Response> get_one(Services& services, http::Request& request) {
    const auto id = require_id(request.param("id"), "memory");
    const auto memory = co_await services.store.find_memory(request.user_id, id);
    if (!memory) throw not_found();
    co_return json_response(200, memory_json(*memory));
}

asio::awaitable<http::Response> create(Services& services, http::Request& request) {
    const auto object = parse_json_object(request.body);
    JsonFields fields(object);
    memory::NewMemory memory;
    memory.user_id = request.user_id;
    memory.content = checked_content(fields.required_string("content", kContentRule), services);
    memory.importance = fields.optional_number("importance", 0, 1).value_or(kDefaultImportance);
    fields.finish();
    const auto remembered =
        co_await embedding_errors_mapped(services.memories.remember(std::move(memory)));
    auto body = memory_json(remembered.memory);
    body["deduplicated"] = remembered.refreshed;
    co_return json_response(remembered.refreshed ? 200 : 201, body);
}

asio::awaitable<http::Response> search(Services& services, http::Request& request) {
    const QueryParams query(request, {"q", "k", "min_score"});
    auto text = query.text("q");
    if (!text) {
        throw http::ApiError(422, "missing_field", "query parameter \"q\" is required");
    }
    check_chat_message(*text, "q", services.settings.max_message_length);
    const int configured_k = services.settings.long_term_memory_top_k;
    const int default_k = configured_k > 0 ? std::min(configured_k, kMaxTopK) : kFallbackTopK;
    const auto k = static_cast<int>(query.integer("k", 1, kMaxTopK, default_k));
    const double min_score =
        query_number(query, "min_score", 0, 1, services.settings.memory_similarity_threshold);
    const auto recalled = co_await embedding_errors_mapped(
        services.memories.recall(request.user_id, *text, k, min_score));
    json::array items;
    for (const auto& found : recalled) {
        auto item = memory_json(found.memory);
        item["score"] = found.score;
        item["similarity"] = found.similarity;
        items.push_back(std::move(item));
    }
    json::object body;
    body["memories"] = std::move(items);
    body["k"] = k;
    body["min_score"] = min_score;
    co_return json_response(200, body);
}

asio::awaitable<http::Response> change(Services& services, http::Request& request) {
    const auto id = require_id(request.param("id"), "memory");
    const auto object = parse_json_object(request.body);
    JsonFields fields(object);
    std::optional<std::string> content;
    if (auto given = fields.optional_string("content", kContentRule)) {
        content = checked_content(std::move(*given), services);
    }
    const auto importance = fields.optional_number("importance", 0, 1);
    fields.finish();
    if (!content && !importance) {
        throw http::ApiError(422, "missing_field",
                             "give \"content\", \"importance\" or both to change a memory");
    }
    // A memory that is not the caller's is 404 before anything is embedded.
    if (content) {
        const auto existing = co_await services.store.find_memory(request.user_id, id);
        if (!existing) throw not_found();
    }
    const auto updated = co_await embedding_errors_mapped(
        services.memories.update(request.user_id, id, std::move(content), importance));
    if (!updated) throw not_found();
    co_return json_response(200, memory_json(*updated));
}

asio::awaitable<http::Response> remove(Services& services, http::Request& request) {
    const auto id = require_id(request.param("id"), "memory");
    const bool removed = co_await services.memories.remove(request.user_id, id);
    if (!removed) throw not_found();
    co_return no_content();
}

asio::awaitable<http::Response> remove_all(Services& services, http::Request& request) {
    const QueryParams query(request, {});
    const auto deleted = co_await services.memories.remove_all(request.user_id);
    json::object body;
    body["deleted"] = deleted;
    co_return json_response(200, body);
}

}  // namespace

void register_memory_routes(http::Router& router, Services& services) {
    using http::Method;
    const auto route = [&router, &services](Method method, std::string pattern,
                                            ServiceHandler handler) {
        add_route(router, services, method, std::move(pattern), handler);
    };
    route(Method::get, "/api/v1/memories", list);
    route(Method::post, "/api/v1/memories", create);
    route(Method::delete_, "/api/v1/memories", remove_all);
    route(Method::get, "/api/v1/memories/search", search);
    route(Method::get, "/api/v1/memories/{id}", get_one);
    route(Method::patch, "/api/v1/memories/{id}", change);
    route(Method::delete_, "/api/v1/memories/{id}", remove);
}

}  // namespace companion::api
