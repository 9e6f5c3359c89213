// What the chat resources share: reading the user's message, turn errors as HTTP answers, and
// token usage as JSON.
#pragma once

#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "api/json_input.hpp"
#include "companion/chat_service.hpp"
#include "http/api_error.hpp"
#include "llm/llm_error.hpp"

namespace companion::api {

// The field as a chat message: 1 to max_code_points code points of valid UTF-8, not blank.
std::string read_chat_message(JsonFields& fields, std::string_view name, int max_code_points);
// The same checks on a text that came from elsewhere (e.g. an OpenAI message's content).
void check_chat_message(const std::string& text, std::string_view name, int max_code_points);

// 404 not_found, 422 message_too_long, 503 llm_unavailable, 504 llm_timeout, 502 llm_error (with
// conversation_id and user_message_id: the user message was stored).
http::ApiError to_api_error(const chat::TurnError& error);
// An LLM server's failure (a completion or an embedding) as an HTTP answer: 503 llm_unavailable
// (with Retry-After: 5), 504 llm_timeout, 502 llm_error; the message ends with `detail`.
http::ApiError llm_api_error(llm::LlmError::Kind kind, std::string_view detail);
http::ApiError to_api_error(const llm::LlmError& error);

// ChatService::begin and ::complete with their TurnErrors as HTTP answers.
boost::asio::awaitable<chat::PreparedTurn> begin_turn(chat::ChatService& chat,
                                                      chat::TurnRequest request);
boost::asio::awaitable<chat::TurnResult> complete_turn(chat::ChatService& chat,
                                                       chat::PreparedTurn turn);

// {"prompt_tokens","completion_tokens","total_tokens","estimated"}: the LLM server's counts, or
// the service's estimates (estimated: true) when it sent none.
boost::json::object usage_json(const chat::TurnResult& result);

// What the turn knew of the person, for the response and the SSE meta event:
// "emotion": {"emotion","intensity","valence","arousal","source"} of the message,
// "memories_used": [{"id","content","score","similarity","created_at","updated_at"}], best
// first, and with GOAL_DETECTION "suggested_goal": {"title","target_date"} when the message
// states one.
void add_turn_insight(boost::json::object& body, const chat::PreparedTurn& turn);

}  // namespace companion::api
