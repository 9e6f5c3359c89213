// UTF-8 checks for text that goes into JSON (responses, logs) or is limited in code points.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace companion::util {

// Strict: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);

// Code points of valid UTF-8 text; nullopt when the text is not valid UTF-8.
std::optional<std::size_t> count_code_points(std::string_view text);

// The text with every invalid sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

// Length in bytes of the valid UTF-8 sequence at the start of `text`; 0 when it is invalid.
std::size_t utf8_sequence_length(std::string_view text);

}  // namespace companion::util
