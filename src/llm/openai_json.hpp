// The OpenAI wire format: request bodies out, completions, stream chunks, embeddings and error
// bodies in. JSON stays inside the .cpp; these are plain values.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "llm/chat_types.hpp"

namespace companion::llm {

// The answer does not have the shape the OpenAI API gives it.
class MalformedAnswer : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// POST /chat/completions; with `stream` also stream_options.include_usage.
std::string chat_request_body(const ChatRequest& request, const std::string& model,
                              double temperature, int max_tokens, bool stream);

// POST /embeddings for inputs[first, first + count).
std::string embeddings_request_body(const std::vector<std::string>& inputs, std::size_t first,
                                    std::size_t count, const std::string& model);

// A whole (non-streamed) chat completion.
struct ParsedCompletion {
    std::string text;
    std::string finish_reason;
    std::string model;
    std::optional<Usage> usage;
};
ParsedCompletion parse_chat_completion(std::string_view json);

// One `data:` payload of a streamed chat completion.
struct StreamChunk {
    std::string delta;          // text of choices[0].delta.content ("" when none)
    std::string finish_reason;  // "" until the last chunk
    std::string model;
    std::optional<Usage> usage;
    std::optional<std::string> error;  // the server reported an error inside the stream
};
StreamChunk parse_stream_chunk(std::string_view json);

// data[].embedding ordered by index; exactly `expected` vectors of one dimension.
std::vector<std::vector<float>> parse_embeddings(std::string_view json, std::size_t expected);

// The message of an error body ({"error": {"message": ...}}, {"error": "..."}, {"detail": ...},
// {"message": ...}), else the body's start; at most 300 bytes, one line.
std::string error_message_of(std::string_view body);

}  // namespace companion::llm
