// Page cursors: opaque to clients, "<sort key>_<row id>" inside, so that a page continues
// exactly after the last row it showed even when rows share a sort key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace companion::store {

struct CursorPosition {
    std::int64_t key = 0;  // e.g. created_at in microseconds, or an audit row id
    std::string id;        // the row id that breaks ties ("" when the key is unique)
};

std::string encode_cursor(const CursorPosition& position);
// nullopt for anything this service did not produce.
std::optional<CursorPosition> decode_cursor(std::string_view cursor);

}  // namespace companion::store
