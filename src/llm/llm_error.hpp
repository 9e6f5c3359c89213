// How a call to the LLM server failed, with what had already arrived.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace companion::llm {

class LlmError : public std::runtime_error {
  public:
    enum class Kind {
        unavailable,     // cannot reach it, circuit open, too busy (503)
        timeout,         // no first token / no complete answer in time (504)
        upstream_error,  // an error status, a malformed or broken answer (502)
        cancelled,       // the caller stopped it (the client went away)
    };

    LlmError(Kind kind, const std::string& message, std::string partial_text = {},
             int upstream_status = 0);

    Kind kind() const { return kind_; }
    // The text streamed before the failure ("" when none arrived).
    const std::string& partial_text() const { return partial_text_; }
    bool received_tokens() const { return !partial_text_.empty(); }
    // The LLM server's HTTP status when it answered with an error, else 0.
    int upstream_status() const { return upstream_status_; }

  private:
    Kind kind_;
    std::string partial_text_;
    int upstream_status_;
};

// "unavailable", "timeout", "upstream_error", "cancelled" (also the metrics' status label).
std::string_view to_string(LlmError::Kind kind);

// The status the service answers for it: 503, 504, 502; 499 for cancelled (nobody to answer).
int http_status_for(LlmError::Kind kind);

}  // namespace companion::llm
