// Ids: UUIDv7 (RFC 9562), time-ordered so that indexes stay compact, random enough not to be
// guessed.
#pragma once

#include <string>
#include <string_view>

namespace companion::util {

// e.g. "01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21" (lower-case, 36 characters)
std::string new_uuid_v7();

// A UUID in the canonical 8-4-4-4-12 form with lower-case hex, as this service writes them:
// both backends then agree that an upper-case spelling names no row (SQLite compares text).
bool is_uuid(std::string_view text);

}  // namespace companion::util
