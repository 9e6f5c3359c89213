#include "llm/openai_json.hpp"

#include <algorithm>
#include <utility>

#include <boost/json.hpp>

namespace companion::llm {
namespace {

namespace json = boost::json;

constexpr std::size_t max_message_bytes = 300;

json::value parse_or_throw(std::string_view text, std::string_view what) {
    json::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec) {
        throw MalformedAnswer(std::string(what) + " is not valid JSON (" + ec.message() + ")");
    }
    return value;
}

const json::object& object_or_throw(const json::value& value, std::string_view what) {
    if (!value.is_object()) throw MalformedAnswer(std::string(what) + " is not a JSON object");
    return value.get_object();
}

// A string member, "" when absent or null; anything else is malformed.
std::string string_member(const json::object& object, std::string_view key,
                          std::string_view where) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || value->is_null()) return {};
    if (!value->is_string()) {
        throw MalformedAnswer(std::string(where) + "." + std::string(key) + " is not a string");
    }
    return std::string(value->get_string());
}

int count_member(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || value->is_null()) return 0;
    if (value->is_int64())
        return static_cast<int>(std::clamp<std::int64_t>(value->get_int64(), 0, 1 << 30));
    if (value->is_uint64())
        return static_cast<int>(std::min<std::uint64_t>(value->get_uint64(), 1 << 30));
    if (value->is_double()) return static_cast<int>(std::clamp(value->get_double(), 0.0, 1e9));
    throw MalformedAnswer("usage." + std::string(key) + " is not a number");
}

std::optional<Usage> usage_of(const json::object& root) {
    const json::value* value = root.if_contains("usage");
    if (value == nullptr || value->is_null()) return std::nullopt;
    const auto& usage = object_or_throw(*value, "usage");
    return Usage{count_member(usage, "prompt_tokens"), count_member(usage, "completion_tokens"),
                 true};
}

// choices[0], or null when the array is absent or empty.
const json::object* first_choice(const json::object& root) {
    const json::value* choices = root.if_contains("choices");
    if (choices == nullptr || choices->is_null()) return nullptr;
    if (!choices->is_array()) throw MalformedAnswer("choices is not an array");
    const auto& array = choices->get_array();
    if (array.empty()) return nullptr;
    return &object_or_throw(array.front(), "choices[0]");
}

std::string one_line(std::string_view text) {
    std::string out;
    for (const char c : text.substr(0, max_message_bytes)) {
        const auto byte = static_cast<unsigned char>(c);
        out += byte < 0x20 || byte == 0x7f ? ' ' : c;
    }
    if (text.size() > max_message_bytes) {
        // Do not cut a UTF-8 sequence in two.
        while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) {
            out.pop_back();
        }
        if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
        out += "...";
    }
    return out;
}

std::optional<std::string> error_text(const json::value& error) {
    if (error.is_string()) return std::string(error.get_string());
    if (error.is_object()) {
        const auto& object = error.get_object();
        if (const auto* message = object.if_contains("message"); message && message->is_string()) {
            return std::string(message->get_string());
        }
        return json::serialize(error);
    }
    if (error.is_array()) return json::serialize(error);
    return std::nullopt;
}

}  // namespace

std::string chat_request_body(const ChatRequest& request, const std::string& model,
                              double temperature, int max_tokens, bool stream) {
    json::array messages;
    messages.reserve(request.messages.size());
    for (const auto& message : request.messages) {
        messages.push_back(json::object{{"role", message.role}, {"content", message.content}});
    }
    json::object body;
    body["model"] = model;
    body["messages"] = std::move(messages);
    body["temperature"] = temperature;
    body["max_tokens"] = max_tokens;
    body["stream"] = stream;
    if (stream) body["stream_options"] = json::object{{"include_usage", true}};
    return json::serialize(body);
}

std::string embeddings_request_body(const std::vector<std::string>& inputs, std::size_t first,
                                    std::size_t count, const std::string& model) {
    json::array input;
    input.reserve(count);
    for (std::size_t i = first; i < first + count && i < inputs.size(); ++i) {
        input.emplace_back(inputs[i]);
    }
    json::object body;
    body["model"] = model;
    body["input"] = std::move(input);
    body["encoding_format"] = "float";
    return json::serialize(body);
}

ParsedCompletion parse_chat_completion(std::string_view text) {
    const json::value value = parse_or_throw(text, "the completion");
    const auto& root = object_or_throw(value, "the completion");
    if (const auto* error = root.if_contains("error"); error && !error->is_null()) {
        throw MalformedAnswer("the answer is an error: " +
                              one_line(error_text(*error).value_or("")));
    }
    const json::object* choice = first_choice(root);
    if (choice == nullptr) throw MalformedAnswer("the completion has no choices");
    const json::value* message = choice->if_contains("message");
    if (message == nullptr) throw MalformedAnswer("choices[0] has no message");
    ParsedCompletion out;
    out.text = string_member(object_or_throw(*message, "choices[0].message"), "content",
                             "choices[0].message");
    out.finish_reason = string_member(*choice, "finish_reason", "choices[0]");
    out.model = string_member(root, "model", "the completion");
    out.usage = usage_of(root);
    return out;
}

StreamChunk parse_stream_chunk(std::string_view text) {
    const json::value value = parse_or_throw(text, "a stream chunk");
    const auto& root = object_or_throw(value, "a stream chunk");
    StreamChunk out;
    if (const auto* error = root.if_contains("error"); error && !error->is_null()) {
        out.error = one_line(error_text(*error).value_or("an error without a message"));
        return out;
    }
    out.model = string_member(root, "model", "the chunk");
    out.usage = usage_of(root);
    const json::object* choice = first_choice(root);
    if (choice == nullptr) return out;
    out.finish_reason = string_member(*choice, "finish_reason", "choices[0]");
    const json::value* delta = choice->if_contains("delta");
    if (delta != nullptr && !delta->is_null()) {
        out.delta = string_member(object_or_throw(*delta, "choices[0].delta"), "content",
                                  "choices[0].delta");
    }
    return out;
}

std::vector<std::vector<float>> parse_embeddings(std::string_view text, std::size_t expected) {
    const json::value value = parse_or_throw(text, "the embeddings");
    const auto& root = object_or_throw(value, "the embeddings");
    const json::value* data = root.if_contains("data");
    if (data == nullptr || !data->is_array()) throw MalformedAnswer("the embeddings have no data");
    const auto& items = data->get_array();
    if (items.size() != expected) {
        throw MalformedAnswer("asked for " + std::to_string(expected) + " embeddings, got " +
                              std::to_string(items.size()));
    }
    std::vector<std::vector<float>> out(expected);
    std::vector<bool> seen(expected, false);
    for (std::size_t position = 0; position < items.size(); ++position) {
        const auto& item = object_or_throw(items[position], "data[]");
        std::size_t index = position;
        if (const auto* given = item.if_contains("index"); given && !given->is_null()) {
            if (!given->is_number()) throw MalformedAnswer("data[].index is not a number");
            const auto number = given->to_number<double>();
            if (number < 0 || number >= static_cast<double>(expected)) {
                throw MalformedAnswer("data[].index is out of range");
            }
            index = static_cast<std::size_t>(number);
        }
        if (seen[index]) throw MalformedAnswer("data[].index repeats");
        seen[index] = true;
        const json::value* vector = item.if_contains("embedding");
        if (vector == nullptr || !vector->is_array()) {
            throw MalformedAnswer("data[].embedding is not an array of numbers");
        }
        auto& into = out[index];
        into.reserve(vector->get_array().size());
        for (const auto& component : vector->get_array()) {
            if (!component.is_number()) {
                throw MalformedAnswer("data[].embedding is not an array of numbers");
            }
            into.push_back(static_cast<float>(component.to_number<double>()));
        }
        if (into.empty()) throw MalformedAnswer("data[].embedding is empty");
    }
    for (const auto& vector : out) {
        if (vector.size() != out.front().size()) {
            throw MalformedAnswer("the embeddings differ in dimension");
        }
    }
    return out;
}

std::string error_message_of(std::string_view body) {
    json::error_code ec;
    const json::value value = json::parse(body, ec);
    if (!ec && value.is_object()) {
        const auto& root = value.get_object();
        for (const char* key : {"error", "detail", "message"}) {
            if (const auto* found = root.if_contains(key); found && !found->is_null()) {
                if (auto text = error_text(*found)) return one_line(*text);
            }
        }
    }
    return one_line(body);
}

}  // namespace companion::llm
