#include "api/chat_common.hpp"

#include <boost/json/array.hpp>
#include <fmt/format.h>

#include "api/auth_context.hpp"
#include "util/utf8.hpp"

namespace companion::api {

void check_chat_message(const std::string& text, std::string_view name, int max_code_points) {
    const auto count = util::count_code_points(text);
    if (!count) {
        throw http::ApiError(400, "invalid_utf8", fmt::format("\"{}\" is not valid UTF-8", name));
    }
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw http::ApiError(422, "invalid_field", fmt::format("\"{}\" must not be blank", name));
    }
    if (*count > static_cast<std::size_t>(max_code_points)) {
        throw http::ApiError(422, "message_too_long",
                             fmt::format("\"{}\" has {} characters; the limit is {} "
                                         "(MAX_MESSAGE_LENGTH)",
                                         name, *count, max_code_points));
    }
}

std::string read_chat_message(JsonFields& fields, std::string_view name, int max_code_points) {
    // The length is checked here, with its own error code, rather than by the text rule.
    auto text = fields.required_string(name, TextRule{.min_code_points = 1});
    check_chat_message(text, name, max_code_points);
    return text;
}

http::ApiError to_api_error(const chat::TurnError& error) {
    using Kind = chat::TurnError::Kind;
    switch (error.kind()) {
        case Kind::conversation_not_found:
        case Kind::reply_lost:
            return http::ApiError(404, "not_found", error.what());
        case Kind::message_too_long:
            return http::ApiError(422, "message_too_long", error.what());
        case Kind::llm:
            break;
    }
    return llm_api_error(error.llm_kind(), error.what())
        .with_detail("conversation_id", error.conversation_id())
        .with_detail("user_message_id", error.user_message_id());
}

http::ApiError llm_api_error(llm::LlmError::Kind kind, std::string_view detail) {
    using LlmKind = llm::LlmError::Kind;
    unsigned status = 502;
    std::string code = "llm_error";
    std::string message = "the language model failed to answer: ";
    if (kind == LlmKind::unavailable) {
        status = 503;
        code = "llm_unavailable";
        message = "the language model is unavailable: ";
    } else if (kind == LlmKind::timeout) {
        status = 504;
        code = "llm_timeout";
        message = "the language model did not answer in time: ";
    }
    message += detail;
    http::ApiError mapped(status, std::move(code), std::move(message));
    if (status == 503) std::move(mapped).with_header("Retry-After", "5");
    return mapped;
}

http::ApiError to_api_error(const llm::LlmError& error) {
    return llm_api_error(error.kind(), error.what());
}

boost::asio::awaitable<chat::PreparedTurn> begin_turn(chat::ChatService& chat,
                                                      chat::TurnRequest request) {
    std::optional<chat::PreparedTurn> prepared;
    std::optional<chat::TurnError> refused;
    try {
        prepared = co_await chat.begin(std::move(request));
    } catch (const chat::TurnError& error) {
        refused = error;
    }
    if (refused) throw to_api_error(*refused);
    co_return std::move(*prepared);
}

boost::asio::awaitable<chat::TurnResult> complete_turn(chat::ChatService& chat,
                                                       chat::PreparedTurn turn) {
    std::optional<chat::TurnResult> result;
    std::optional<chat::TurnError> refused;
    try {
        result = co_await chat.complete(std::move(turn));
    } catch (const chat::TurnError& error) {
        refused = error;
    }
    if (refused) throw to_api_error(*refused);
    co_return std::move(*result);
}

boost::json::object usage_json(const chat::TurnResult& result) {
    const bool reported = result.usage.reported;
    const int prompt = reported ? result.usage.prompt_tokens : result.estimated_prompt_tokens;
    const int completion =
        reported ? result.usage.completion_tokens : result.estimated_completion_tokens;
    boost::json::object usage;
    usage["prompt_tokens"] = prompt;
    usage["completion_tokens"] = completion;
    usage["total_tokens"] = prompt + completion;
    usage["estimated"] = !reported;
    return usage;
}

void add_turn_insight(boost::json::object& body, const chat::PreparedTurn& turn) {
    boost::json::object emotion;
    emotion["emotion"] = turn.emotion.emotion;
    emotion["intensity"] = turn.emotion.intensity;
    emotion["valence"] = turn.emotion.valence;
    emotion["arousal"] = turn.emotion.arousal;
    emotion["source"] = turn.emotion.source;
    body["emotion"] = std::move(emotion);
    boost::json::array memories;
    for (const auto& recalled : turn.memories) {
        boost::json::object used;
        used["id"] = recalled.memory.id;
        used["content"] = recalled.memory.content;
        used["score"] = recalled.score;
        used["similarity"] = recalled.similarity;
        used["created_at"] = format_timestamp(recalled.memory.created_at);
        used["updated_at"] = format_timestamp(recalled.memory.updated_at);
        memories.push_back(std::move(used));
    }
    body["memories_used"] = std::move(memories);
    if (turn.suggested_goal) {
        boost::json::object goal;
        goal["title"] = turn.suggested_goal->title;
        if (turn.suggested_goal->target_date) {
            goal["target_date"] = *turn.suggested_goal->target_date;
        } else {
            goal["target_date"] = nullptr;
        }
        body["suggested_goal"] = std::move(goal);
    }
}

}  // namespace companion::api
