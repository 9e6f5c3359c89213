#include "api/json_input.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>
#include <boost/system/errc.hpp>
#include <fmt/format.h>

#include "http/api_error.hpp"
#include "util/utf8.hpp"
#include "util/uuid.hpp"

namespace companion::api {
namespace {

namespace json = boost::json;
using http::ApiError;

constexpr std::size_t max_quoted_code_points = 64;
constexpr std::string_view json_whitespace = " \t\r\n";
constexpr std::string_view ascii_whitespace = " \t\r\n\f\v";
constexpr std::string_view lone_surrogate = "a \\u escape is a lone UTF-16 surrogate";

// A field name JSON-quoted and cut short: unknown and duplicate names come from the client.
std::string quote(std::string_view name) {
    const std::string clean = util::sanitize_utf8(name);
    std::size_t used = 0;
    for (std::size_t count = 0; used < clean.size() && count < max_quoted_code_points; ++count) {
        used += util::utf8_sequence_length(std::string_view(clean).substr(used));
    }
    std::string quoted = json::serialize(json::string_view(clean.data(), used));
    if (used < clean.size()) quoted += "...";
    return quoted;
}

std::string plural(std::size_t count, std::string_view noun) {
    return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

[[noreturn]] void throw_invalid_json(std::size_t offset, std::string_view problem) {
    throw ApiError(400, "invalid_json",
                   "invalid JSON at byte " + std::to_string(offset) + ": " + std::string(problem));
}

std::optional<std::size_t> first_invalid_utf8(std::string_view body) {
    std::size_t offset = 0;
    while (offset < body.size()) {
        const auto length = util::utf8_sequence_length(body.substr(offset));
        if (length == 0) return offset;
        offset += length;
    }
    return std::nullopt;
}

// The offset of the opening quote of the string whose closing quote is just before `end`.
std::size_t string_start(std::string_view body, std::size_t end) {
    std::size_t quote_at = end == 0 ? 0 : end - 1;
    while (quote_at > 0) {
        quote_at = body.rfind('"', quote_at - 1);
        if (quote_at == std::string_view::npos) return 0;
        std::size_t backslashes = 0;
        while (quote_at > backslashes && body[quote_at - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) return quote_at;
    }
    return 0;
}

// Where a problem the handler found is reported; the parser stops after a key or a scalar.
enum class Spot { parser, key_start, body_start };

// Builds the value as boost::json::parser would, and also rejects what that parser accepts
// silently: duplicate keys (it keeps the last), long strings and a top level other than an object.
class StrictHandler {
public:
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    explicit StrictHandler(std::size_t max_string_bytes) : max_string_bytes_(max_string_bytes) {
        values_.reset();
    }

    json::value release() { return values_.release(); }
    const std::string& problem() const noexcept { return problem_; }
    Spot spot() const noexcept { return spot_; }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }

    bool on_object_begin(json::error_code&) {
        ++depth_;
        keys_.emplace_back();
        return true;
    }
    bool on_object_end(std::size_t size, json::error_code&) {
        --depth_;
        keys_.pop_back();
        values_.push_object(size);
        return true;
    }
    bool on_array_begin(json::error_code& ec) {
        if (!inside_object(ec, "an array")) return false;
        ++depth_;
        return true;
    }
    bool on_array_end(std::size_t size, json::error_code&) {
        --depth_;
        values_.push_array(size);
        return true;
    }

    bool on_key_part(json::string_view part, std::size_t total, json::error_code& ec) {
        if (!fits(total, ec)) return false;
        key_.append(part.data(), part.size());
        values_.push_chars(part);
        return true;
    }
    bool on_key(json::string_view part, std::size_t total, json::error_code& ec) {
        if (!fits(total, ec)) return false;
        key_.append(part.data(), part.size());
        const auto [existing, inserted] = keys_.back().insert(std::move(key_));
        key_.clear();
        if (!inserted) return fail(ec, "duplicate key " + quote(*existing), Spot::key_start);
        values_.push_key(part);
        return true;
    }

    bool on_string_part(json::string_view part, std::size_t total, json::error_code& ec) {
        if (!inside_object(ec, "a string") || !fits(total, ec)) return false;
        values_.push_chars(part);
        return true;
    }
    bool on_string(json::string_view part, std::size_t total, json::error_code& ec) {
        if (!inside_object(ec, "a string") || !fits(total, ec)) return false;
        values_.push_string(part);
        return true;
    }

    bool on_number_part(json::string_view, json::error_code& ec) {
        return inside_object(ec, "a number");
    }
    bool on_int64(std::int64_t number, json::string_view, json::error_code& ec) {
        if (!inside_object(ec, "a number")) return false;
        values_.push_int64(number);
        return true;
    }
    bool on_uint64(std::uint64_t number, json::string_view, json::error_code& ec) {
        if (!inside_object(ec, "a number")) return false;
        values_.push_uint64(number);
        return true;
    }
    bool on_double(double number, json::string_view, json::error_code& ec) {
        if (!inside_object(ec, "a number")) return false;
        // Boost.JSON 1.81 reads 1e999 as infinity, which no JSON text can name.
        if (!std::isfinite(number)) return fail(ec, "a number is out of range");
        values_.push_double(number);
        return true;
    }
    bool on_bool(bool flag, json::error_code& ec) {
        if (!inside_object(ec, "a boolean")) return false;
        values_.push_bool(flag);
        return true;
    }
    bool on_null(json::error_code& ec) {
        if (!inside_object(ec, "null")) return false;
        values_.push_null();
        return true;
    }

    // Comments are off in the parse options, so these never run.
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

private:
    bool fail(json::error_code& ec, std::string problem, Spot spot = Spot::parser) {
        problem_ = std::move(problem);
        spot_ = spot;
        ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
        return false;
    }
    bool inside_object(json::error_code& ec, std::string_view found) {
        if (depth_ > 0) return true;
        return fail(ec, "the body must be an object, not " + std::string(found), Spot::body_start);
    }
    bool fits(std::size_t total, json::error_code& ec) {
        if (total <= max_string_bytes_) return true;
        return fail(ec, "a string is longer than " + plural(max_string_bytes_, "byte"));
    }

    json::value_stack values_;
    std::size_t max_string_bytes_;
    int depth_ = 0;
    std::vector<std::set<std::string, std::less<>>> keys_;  // a tree: no hash flooding
    std::string key_;
    std::string problem_;
    Spot spot_ = Spot::parser;
};

// Whether `end` follows an unescaped \uD800-\uDBFF: Boost.JSON 1.81 calls a high surrogate that
// is not followed by another escape a plain syntax error.
bool after_high_surrogate_escape(std::string_view body, std::size_t end) {
    if (end < 6) return false;
    const std::string_view escape = body.substr(end - 6, 6);
    if (escape.substr(0, 2) != "\\u" || (escape[2] != 'd' && escape[2] != 'D') ||
        std::string_view("89abAB").find(escape[3]) == std::string_view::npos) {
        return false;
    }
    std::size_t backslashes = 0;
    while (end - 6 > backslashes && body[end - 7 - backslashes] == '\\') ++backslashes;
    return backslashes % 2 == 0;
}

std::string describe(const json::error_code& ec, std::size_t max_depth) {
    if (ec == json::error::too_deep) return "nesting deeper than " + plural(max_depth, "level");
    if (ec == json::error::incomplete) return "the body ends before the object does";
    if (ec == json::error::exponent_overflow) return "a number is out of range";
    if (ec == json::error::illegal_leading_surrogate ||
        ec == json::error::illegal_trailing_surrogate || ec == json::error::expected_utf16_escape) {
        return std::string(lone_surrogate);
    }
    return ec.message();
}

[[noreturn]] void throw_invalid_field(std::string_view name, std::string_view rule) {
    throw ApiError(422, "invalid_field", quote(name) + " " + std::string(rule));
}

[[noreturn]] void throw_missing_field(std::string_view name) {
    throw ApiError(422, "missing_field", "missing field " + quote(name));
}

std::string_view trim_ascii(std::string_view text) {
    const auto first = text.find_first_not_of(ascii_whitespace);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(ascii_whitespace) - first + 1);
}

bool has_line_break(std::string_view text) {
    constexpr std::string_view breaks[] = {"\n",       "\r",           "\v",          "\f",
                                           "\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"};
    return std::any_of(std::begin(breaks), std::end(breaks), [&](std::string_view line_break) {
        return text.find(line_break) != std::string_view::npos;
    });
}

void check_length(std::string_view name, std::size_t length, const TextRule& rule) {
    if (length < rule.min_code_points) {
        if (length == 0) throw_invalid_field(name, "must not be empty");
        throw_invalid_field(name, "is shorter than " + plural(rule.min_code_points, "character"));
    }
    if (length > rule.max_code_points) {
        throw_invalid_field(name, "is longer than " + plural(rule.max_code_points, "character"));
    }
}

std::string checked_text(std::string_view name, const json::value& value, const TextRule& rule) {
    const auto* string = value.if_string();
    if (string == nullptr) throw_invalid_field(name, "must be a string");
    std::string_view text(string->data(), string->size());
    if (rule.trim) text = trim_ascii(text);
    const auto length = util::count_code_points(text);
    if (!length) throw_invalid_field(name, "must be valid UTF-8");
    if (text.find('\0') != std::string_view::npos) {
        throw_invalid_field(name, "must not contain NUL characters");
    }
    if (!rule.allow_newlines && has_line_break(text)) {
        throw_invalid_field(name, "must not contain line breaks");
    }
    check_length(name, *length, rule);
    return std::string(text);
}

std::int64_t checked_integer(std::string_view name, const json::value& value, std::int64_t min,
                             std::int64_t max) {
    // A uint64 is above INT64_MAX, so out of any range this reader accepts.
    if (const auto* number = value.if_int64(); number && *number >= min && *number <= max) {
        return *number;
    }
    throw_invalid_field(
        name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
}

const json::value* present(const json::value* value) {
    return value != nullptr && !value->is_null() ? value : nullptr;
}

[[noreturn]] void throw_handler_problem(std::string_view body, std::size_t stop,
                                        const StrictHandler& handler) {
    switch (handler.spot()) {
        case Spot::key_start:
            throw_invalid_json(string_start(body, stop), handler.problem());
        case Spot::body_start:
            throw_invalid_json(body.find_first_not_of(json_whitespace), handler.problem());
        case Spot::parser:
            break;
    }
    throw_invalid_json(stop, handler.problem());
}

void check_text(std::string_view body) {
    if (body.find_first_not_of(json_whitespace) == std::string_view::npos) {
        throw ApiError(400, "invalid_json", "invalid JSON: the body is empty");
    }
    if (body.starts_with("\xEF\xBB\xBF")) throw_invalid_json(0, "a byte order mark");
    // RFC 8259 wants the whole text in UTF-8, outside strings too; one pass says where it breaks.
    if (const auto offset = first_invalid_utf8(body)) throw_invalid_json(*offset, "invalid UTF-8");
}

}  // namespace

json::object parse_json_object(std::string_view body, const JsonLimits& limits) {
    check_text(body);
    json::parse_options options;
    options.max_depth = static_cast<std::size_t>(std::max(1, limits.max_depth));
    json::basic_parser<StrictHandler> parser(options, limits.max_string_bytes);
    json::error_code ec;
    const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
    auto& handler = parser.handler();
    if (ec && !handler.problem().empty()) throw_handler_problem(body, used, handler);
    if (ec == json::error::syntax && after_high_surrogate_escape(body, used)) {
        throw_invalid_json(used - 6, lone_surrogate);
    }
    if (ec) throw_invalid_json(used, describe(ec, options.max_depth));
    if (used < body.size()) throw_invalid_json(used, "unexpected data after the object");
    return std::move(handler.release().as_object());
}

JsonFields::JsonFields(const json::object& object) : object_(object) {}

const json::value* JsonFields::find(std::string_view name) {
    if (std::find(known_.begin(), known_.end(), name) == known_.end()) known_.emplace_back(name);
    return object_.if_contains(json::string_view(name.data(), name.size()));
}

std::string JsonFields::required_string(std::string_view name, const TextRule& rule) {
    const auto* value = find(name);
    if (value == nullptr) throw_missing_field(name);
    return checked_text(name, *value, rule);
}

std::optional<std::string> JsonFields::optional_string(std::string_view name,
                                                       const TextRule& rule) {
    const auto* value = present(find(name));
    if (value == nullptr) return std::nullopt;
    return checked_text(name, *value, rule);
}

bool JsonFields::optional_bool(std::string_view name, bool fallback) {
    const auto* value = present(find(name));
    if (value == nullptr) return fallback;
    if (const auto* flag = value->if_bool()) return *flag;
    throw_invalid_field(name, "must be true or false");
}

std::int64_t JsonFields::required_integer(std::string_view name, std::int64_t min,
                                          std::int64_t max) {
    const auto* value = find(name);
    if (value == nullptr) throw_missing_field(name);
    return checked_integer(name, *value, min, max);
}

std::optional<std::int64_t> JsonFields::optional_integer(std::string_view name, std::int64_t min,
                                                         std::int64_t max) {
    const auto* value = present(find(name));
    if (value == nullptr) return std::nullopt;
    return checked_integer(name, *value, min, max);
}

std::optional<double> JsonFields::optional_number(std::string_view name, double min,
                                                  double max) {
    const auto* value = present(find(name));
    if (value == nullptr) return std::nullopt;
    if (value->is_number()) {
        const double number = value->to_number<double>();
        if (number >= min && number <= max) return number;
    }
    throw_invalid_field(name, fmt::format("must be a number from {} to {}", min, max));
}

std::optional<std::string> JsonFields::optional_id(std::string_view name) {
    const auto* value = present(find(name));
    if (value == nullptr) return std::nullopt;
    const auto* string = value->if_string();
    if (string == nullptr || !util::is_uuid(std::string_view(string->data(), string->size()))) {
        throw_invalid_field(name, "must be an id (a lower-case UUID)");
    }
    return std::string(string->data(), string->size());
}

void JsonFields::finish() const {
    for (const auto& entry : object_) {
        const std::string_view key(entry.key().data(), entry.key().size());
        if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
            throw ApiError(422, "unknown_field", "unknown field " + quote(key));
        }
    }
}

std::string require_id(std::string_view raw, std::string_view what) {
    if (util::is_uuid(raw)) return std::string(raw);
    throw ApiError(404, "not_found", std::string(what) + " not found");
}

}  // namespace companion::api
