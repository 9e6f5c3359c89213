#include "llm/llm_error.hpp"

#include <utility>

namespace companion::llm {

LlmError::LlmError(Kind kind, const std::string& message, std::string partial_text,
                   int upstream_status)
    : std::runtime_error(message),
      kind_(kind),
      partial_text_(std::move(partial_text)),
      upstream_status_(upstream_status) {}

std::string_view to_string(LlmError::Kind kind) {
    switch (kind) {
        case LlmError::Kind::unavailable:
            return "unavailable";
        case LlmError::Kind::timeout:
            return "timeout";
        case LlmError::Kind::upstream_error:
            return "upstream_error";
        case LlmError::Kind::cancelled:
            return "cancelled";
    }
    return "upstream_error";
}

int http_status_for(LlmError::Kind kind) {
    switch (kind) {
        case LlmError::Kind::unavailable:
            return 503;
        case LlmError::Kind::timeout:
            return 504;
        case LlmError::Kind::upstream_error:
            return 502;
        case LlmError::Kind::cancelled:
            return 499;
    }
    return 502;
}

}  // namespace companion::llm
