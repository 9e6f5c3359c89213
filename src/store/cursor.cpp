#include "store/cursor.hpp"

#include <charconv>

#include "util/uuid.hpp"

namespace companion::store {

std::string encode_cursor(const CursorPosition& position) {
    return std::to_string(position.key) + "_" + position.id;
}

std::optional<CursorPosition> decode_cursor(std::string_view cursor) {
    const auto separator = cursor.find('_');
    if (separator == std::string_view::npos || separator == 0) return std::nullopt;
    CursorPosition position;
    const auto key = cursor.substr(0, separator);
    const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), position.key);
    if (error != std::errc() || end != key.data() + key.size()) return std::nullopt;
    position.id = std::string(cursor.substr(separator + 1));
    if (!position.id.empty() && !util::is_uuid(position.id)) return std::nullopt;
    return position;
}

}  // namespace companion::store
