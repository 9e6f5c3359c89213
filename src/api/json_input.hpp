// Strict reading of JSON request bodies, path ids and query ids, with errors that name the field.
//
// Statuses: 400 "invalid_json" when the body is not one well-formed JSON object within the limits
// (the client sent something no endpoint could read); 422 "missing_field" / "invalid_field" /
// "unknown_field" when it is well-formed JSON whose content is wrong for this endpoint; 404
// "not_found" for a malformed id in a path or query, as for an id that names no row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace companion::api {

struct JsonLimits {
    int max_depth = 32;                      // containers nested, the body's own object included
    std::size_t max_string_bytes = 1 << 20;  // per string or key, after unescaping
};

// Parses a request body that must be one JSON object (RFC 8259, nothing more: no comments, no
// trailing commas, no NaN). Throws ApiError 400 "invalid_json" whose message names the problem
// and its byte offset: empty body, invalid UTF-8 anywhere (overlong forms and encoded surrogates
// included), syntax errors, escapes that are lone UTF-16 surrogates, duplicate keys at any depth,
// nesting deeper than max_depth, a string longer than max_string_bytes, data after the object,
// or a top-level value that is not an object.
boost::json::object parse_json_object(std::string_view body, const JsonLimits& limits = {});

// How a string field is checked. Lengths count Unicode code points (an emoji such as U+1F600 is
// one), after trimming when `trim` is set; messages call them characters.
struct TextRule {
    std::size_t min_code_points = 0;
    std::size_t max_code_points = 1000000;
    bool trim = false;           // strip leading and trailing ASCII whitespace first
    bool allow_newlines = true;  // false rejects CR, LF, VT, FF, U+0085, U+2028 and U+2029
};

// Reads the fields of a parsed object; each reader throws ApiError 422 at the first problem and
// remembers the name it was asked for, so that finish() can reject every other field.
//
// Decisions a client can rely on:
// - Types are strict: no number-to-string or string-to-number coercion, booleans are true/false.
// - An optional field that is null counts as absent (clients often serialize unset options as
//   null); a required field that is null is "must be a string" and the like, not "missing".
// - Integers are JSON numbers written without fraction or exponent: 1.0, 1e3 and 1.5 are all
//   rejected, so no value is ever rounded on its way in.
// - Strings read here never hold U+0000: PostgreSQL text cannot store it, and a 500 is not
//   an answer.
// The object must outlive this reader.
class JsonFields {
public:
    explicit JsonFields(const boost::json::object& object);

    // 422 "missing_field" when absent, "invalid_field" when not a string or against the rule.
    std::string required_string(std::string_view name, const TextRule& rule);
    std::optional<std::string> optional_string(std::string_view name, const TextRule& rule);

    // 422 "invalid_field" unless absent, null, true or false.
    bool optional_bool(std::string_view name, bool fallback);

    // 422 "invalid_field" `"limit" must be an integer from 1 to 100` for any non-integer or
    // out-of-range value; "missing_field" when a required one is absent.
    std::int64_t required_integer(std::string_view name, std::int64_t min, std::int64_t max);
    std::optional<std::int64_t> optional_integer(std::string_view name, std::int64_t min,
                                                 std::int64_t max);

    // Any JSON number (integer or not) from min to max, else 422 "invalid_field" `"importance"
    // must be a number from 0 to 1`; absent or null is nullopt.
    std::optional<double> optional_number(std::string_view name, double min, double max);

    // An id as this service writes them (util::is_uuid: canonical, lower-case), else 422.
    std::optional<std::string> optional_id(std::string_view name);

    // 422 "unknown_field" naming the first field, in body order, that no reader asked for.
    void finish() const;

private:
    const boost::json::value* find(std::string_view name);

    const boost::json::object& object_;
    std::vector<std::string> known_;
};

// A path or query id (e.g. what = "conversation"). Throws ApiError 404 "not_found"
// `conversation not found` when it is not a valid id, so that a malformed id and an id that names
// no row look the same to whoever is guessing; handlers should word their own 404 the same way.
std::string require_id(std::string_view raw, std::string_view what);

}  // namespace companion::api
