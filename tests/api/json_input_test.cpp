#include "api/json_input.hpp"

#include <functional>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "http/api_error.hpp"

namespace companion::api {
namespace {

constexpr std::string_view good_id = "01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21";

// The ApiError a call throws; a failed expectation when it throws none.
http::ApiError error_from(const std::function<void()>& call) {
    try {
        call();
    } catch (const http::ApiError& error) {
        return error;
    }
    ADD_FAILURE() << "no ApiError was thrown";
    return http::ApiError(0, "", "");
}

void expect_mentions(const http::ApiError& error, std::string_view text) {
    EXPECT_NE(std::string_view(error.what()).find(text), std::string_view::npos)
        << '"' << error.what() << "\" does not mention \"" << text << '"';
}

http::ApiError parse_error(std::string_view body, const JsonLimits& limits = {}) {
    return error_from([&] { parse_json_object(body, limits); });
}

void expect_invalid_json(std::string_view body, std::string_view message) {
    const auto error = parse_error(body);
    EXPECT_EQ(error.status(), 400u) << body;
    EXPECT_EQ(error.code(), "invalid_json") << body;
    EXPECT_EQ(std::string(error.what()), message) << body;
}

// Reads `body` with `read` and returns the error it throws.
http::ApiError field_error(std::string_view body, const std::function<void(JsonFields&)>& read) {
    const auto object = parse_json_object(body);
    JsonFields fields(object);
    return error_from([&] { read(fields); });
}

void expect_field_error(std::string_view body, const std::function<void(JsonFields&)>& read,
                        std::string_view code, std::string_view message) {
    const auto error = field_error(body, read);
    EXPECT_EQ(error.status(), 422u) << body;
    EXPECT_EQ(error.code(), code) << body;
    EXPECT_EQ(std::string(error.what()), message) << body;
}

std::string nested_arrays(int depth) {
    std::string body = "{\"a\":";
    body += std::string(static_cast<std::size_t>(depth - 1), '[');
    body += std::string(static_cast<std::size_t>(depth - 1), ']');
    return body + "}";
}

// parse_json_object: well-formed objects

TEST(ParseJsonObject, ReadsAnObjectWithEveryKindOfValue) {
    const auto object =
        parse_json_object(R"({"s":"hé","i":-7,"u":18446744073709551615,"d":1.5,"t":true,"n":null,)"
                          R"("a":[1,{"x":[]}],"o":{"k":"v"}})");
    EXPECT_EQ(object.at("s").as_string(), "h\xC3\xA9");
    EXPECT_EQ(object.at("i").as_int64(), -7);
    EXPECT_EQ(object.at("u").as_uint64(), std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(object.at("d").as_double(), 1.5);
    EXPECT_TRUE(object.at("t").as_bool());
    EXPECT_TRUE(object.at("n").is_null());
    EXPECT_EQ(object.at("a").as_array().size(), 2u);
    EXPECT_EQ(object.at("o").at("k").as_string(), "v");
}

TEST(ParseJsonObject, AllowsWhitespaceAroundTheObjectAndAnEmptyObject) {
    EXPECT_TRUE(parse_json_object(" \r\n\t{}\n ").empty());
}

TEST(ParseJsonObject, DecodesEscapesAndSurrogatePairs) {
    const auto object = parse_json_object(R"({"e":"\ud83d\ude00\n\"\u00e9"})");
    EXPECT_EQ(object.at("e").as_string(), "\xF0\x9F\x98\x80\n\"\xC3\xA9");
}

TEST(ParseJsonObject, AllowsTheSameKeyInDifferentObjects) {
    const auto object = parse_json_object(R"({"x":{"a":1},"y":{"a":2},"z":[{"a":3},{"a":4}]})");
    EXPECT_EQ(object.at("y").at("a").as_int64(), 2);
}

TEST(ParseJsonObject, AcceptsNestingOf32Levels) {
    EXPECT_NO_THROW(parse_json_object(nested_arrays(32)));
}

TEST(ParseJsonObject, AcceptsAStringOfExactlyTheByteLimit) {
    JsonLimits limits;
    limits.max_string_bytes = 4;
    EXPECT_NO_THROW(parse_json_object(R"({"abcd":"\u00e9\u00e9"})", limits));
}

// parse_json_object: malformed bodies are 400 invalid_json with the offset

TEST(ParseJsonObject, RejectsAnEmptyOrBlankBody) {
    expect_invalid_json("", "invalid JSON: the body is empty");
    expect_invalid_json(" \r\n\t", "invalid JSON: the body is empty");
}

TEST(ParseJsonObject, RejectsSyntaxErrorsWithTheirOffset) {
    expect_invalid_json(R"({"a" 1})", "invalid JSON at byte 5: syntax error");
    expect_invalid_json(R"({"a":tru})", "invalid JSON at byte 5: syntax error");
    expect_invalid_json(R"({'a':1})", "invalid JSON at byte 1: syntax error");
}

TEST(ParseJsonObject, RejectsWhatOnlyLenientParsersAccept) {
    EXPECT_EQ(parse_error(R"({"a":1,})").code(), "invalid_json");
    EXPECT_EQ(parse_error(R"({"a":NaN})").code(), "invalid_json");
    EXPECT_EQ(parse_error("{/* c */\"a\":1}").code(), "invalid_json");
    EXPECT_EQ(parse_error(R"({"a":01})").code(), "invalid_json");
    EXPECT_EQ(parse_error("{\"a\":\"tab\there\"}").code(), "invalid_json");
}

TEST(ParseJsonObject, RejectsATruncatedBody) {
    expect_invalid_json(R"({"a":1)",
                        "invalid JSON at byte 6: the body ends before the object does");
    expect_invalid_json(R"({"a":"x)",
                        "invalid JSON at byte 7: the body ends before the object does");
}

TEST(ParseJsonObject, RejectsTrailingData) {
    expect_invalid_json("{} x", "invalid JSON at byte 3: unexpected data after the object");
    expect_invalid_json("{}{}", "invalid JSON at byte 2: unexpected data after the object");
    expect_invalid_json(std::string_view("{}\0", 3),
                        "invalid JSON at byte 2: unexpected data after the object");
}

TEST(ParseJsonObject, RejectsInvalidUtf8InsideAString) {
    expect_invalid_json("{\"a\":\"x\xFFy\"}", "invalid JSON at byte 7: invalid UTF-8");
    expect_invalid_json("{\"a\":\"\xC3\"}", "invalid JSON at byte 6: invalid UTF-8");
}

TEST(ParseJsonObject, RejectsInvalidUtf8OutsideStrings) {
    expect_invalid_json("\xFF{}", "invalid JSON at byte 0: invalid UTF-8");
    expect_invalid_json("{\"a\":1}\x80", "invalid JSON at byte 7: invalid UTF-8");
}

TEST(ParseJsonObject, RejectsOverlongUtf8) {
    expect_invalid_json("{\"a\":\"\xC0\xAF\"}", "invalid JSON at byte 6: invalid UTF-8");
    expect_invalid_json("{\"a\":\"\xE0\x80\xAF\"}", "invalid JSON at byte 6: invalid UTF-8");
    expect_invalid_json("{\"a\":\"\xF0\x80\x80\xAF\"}", "invalid JSON at byte 6: invalid UTF-8");
}

TEST(ParseJsonObject, RejectsSurrogatesAndCodePointsAboveTheUnicodeRangeEncodedInUtf8) {
    expect_invalid_json("{\"a\":\"\xED\xA0\x80\"}", "invalid JSON at byte 6: invalid UTF-8");
    expect_invalid_json("{\"a\":\"\xF4\x90\x80\x80\"}", "invalid JSON at byte 6: invalid UTF-8");
}

TEST(ParseJsonObject, RejectsALoneHighSurrogateEscape) {
    expect_invalid_json(R"({"a":"\ud800"})",
                        "invalid JSON at byte 6: a \\u escape is a lone UTF-16 surrogate");
    expect_invalid_json(R"({"a":"x\uDBFFy"})",
                        "invalid JSON at byte 7: a \\u escape is a lone UTF-16 surrogate");
    expect_mentions(parse_error(R"({"a":"\ud800\u0041"})"), "lone UTF-16 surrogate");
}

TEST(ParseJsonObject, RejectsALoneLowSurrogateEscape) {
    expect_mentions(parse_error(R"({"a":"\udc00"})"), "lone UTF-16 surrogate");
}

TEST(ParseJsonObject, ReadsAnEscapedBackslashBeforeUd800AsText) {
    EXPECT_EQ(parse_json_object(R"({"a":"\\ud800"})").at("a").as_string(), "\\ud800");
}

TEST(ParseJsonObject, ReportsASyntaxErrorAfterEscapedBackslashAndUd800AsSyntax) {
    expect_invalid_json("{\"a\":\"\\\\ud800\x01\"}", "invalid JSON at byte 13: syntax error");
}

TEST(ParseJsonObject, ReadsLongEscapedStringsAndKeysThatArriveInParts) {
    std::string escaped;
    for (int i = 0; i < 20000; ++i) escaped += "\\u00e9";
    const auto object = parse_json_object("{\"" + escaped + "\":\"" + escaped + "\"}");
    const auto& [key, value] = *object.begin();
    EXPECT_EQ(key.size(), 40000u);
    EXPECT_EQ(value.as_string().size(), 40000u);
    expect_mentions(parse_error("{\"" + escaped + "\":1,\"" + escaped + "\":2}"),
                    "invalid JSON at byte 120006: duplicate key");
}

TEST(ParseJsonObject, RejectsADuplicateTopLevelKeyAtItsOffset) {
    expect_invalid_json(R"({"username":"a","username":"b"})",
                        "invalid JSON at byte 16: duplicate key \"username\"");
}

TEST(ParseJsonObject, RejectsADuplicateNestedKey) {
    expect_invalid_json(R"({"a":{"b":1,"c":[{"d":1, "d":2}]}})",
                        "invalid JSON at byte 25: duplicate key \"d\"");
}

TEST(ParseJsonObject, RejectsADuplicateKeySpelledWithEscapes) {
    expect_invalid_json(R"({"a\"b":1,"a\u0022b":2})",
                        "invalid JSON at byte 10: duplicate key \"a\\\"b\"");
}

TEST(ParseJsonObject, RejectsNestingOf33Levels) {
    expect_invalid_json(nested_arrays(33),
                        "invalid JSON at byte 36: nesting deeper than 32 levels");
    std::string objects;
    for (int i = 0; i < 33; ++i) objects += "{\"a\":";
    expect_mentions(parse_error(objects + "1" + std::string(33, '}')),
                    "nesting deeper than 32 levels");
}

TEST(ParseJsonObject, HonoursACustomDepthLimit) {
    JsonLimits limits;
    limits.max_depth = 2;
    EXPECT_NO_THROW(parse_json_object(R"({"a":[]})", limits));
    expect_mentions(parse_error(R"({"a":[[]]})", limits), "deeper than 2 levels");
}

TEST(ParseJsonObject, RejectsStringsAndKeysOverTheByteLimit) {
    JsonLimits limits;
    limits.max_string_bytes = 4;
    expect_mentions(parse_error(R"({"a":"12345"})", limits), "a string is longer than 4 bytes");
    expect_mentions(parse_error(R"({"abcde":1})", limits), "a string is longer than 4 bytes");
}

TEST(ParseJsonObject, RejectsEveryTopLevelValueThatIsNotAnObject) {
    const std::string prefix = "invalid JSON at byte 1: the body must be an object, not ";
    expect_invalid_json(" [1]", prefix + "an array");
    expect_invalid_json(" 12", prefix + "a number");
    expect_invalid_json(" -1.5", prefix + "a number");
    expect_invalid_json(" \"x\"", prefix + "a string");
    expect_invalid_json(" true", prefix + "a boolean");
    expect_invalid_json(" null", prefix + "null");
}

TEST(ParseJsonObject, RejectsAByteOrderMark) {
    expect_invalid_json("\xEF\xBB\xBF{}", "invalid JSON at byte 0: a byte order mark");
}

TEST(ParseJsonObject, RejectsANumberBeyondTheRangeOfADouble) {
    expect_mentions(parse_error(R"({"a":1e999})"), "a number is out of range");
}

TEST(ParseJsonObject, QuotesAndShortensAHostileDuplicateKey) {
    const std::string key = "\\u0007" + std::string(100, 'k');
    const auto error = parse_error("{\"" + key + "\":1,\"" + key + "\":2}");
    expect_mentions(error, "duplicate key \"\\u0007" + std::string(63, 'k') + "\"...");
}

// JsonFields: strings

TEST(JsonFields, RequiredStringReturnsTheValue) {
    const auto object = parse_json_object(R"({"username":"ada"})");
    JsonFields fields(object);
    EXPECT_EQ(fields.required_string("username", {}), "ada");
    EXPECT_NO_THROW(fields.finish());
}

TEST(JsonFields, RequiredStringMissingIsMissingField) {
    expect_field_error(R"({})", [](JsonFields& f) { f.required_string("username", {}); },
                       "missing_field", R"(missing field "username")");
}

TEST(JsonFields, RequiredStringOfAnotherTypeIsInvalidWithoutCoercion) {
    for (const auto* body : {R"({"message":5})", R"({"message":true})", R"({"message":null})",
                             R"({"message":["x"]})", R"({"message":{}})"}) {
        expect_field_error(
            body, [](JsonFields& f) { f.required_string("message", {}); }, "invalid_field",
            R"("message" must be a string)");
    }
}

TEST(JsonFields, OptionalStringTreatsAbsentAndNullAsAbsent) {
    const auto object = parse_json_object(R"({"title":null})");
    JsonFields fields(object);
    EXPECT_EQ(fields.optional_string("title", {}), std::nullopt);
    EXPECT_EQ(fields.optional_string("persona", {}), std::nullopt);
    EXPECT_NO_THROW(fields.finish());
}

TEST(JsonFields, OptionalStringOfAnotherTypeIsInvalid) {
    expect_field_error(R"({"title":1})", [](JsonFields& f) { f.optional_string("title", {}); },
                       "invalid_field", R"("title" must be a string)");
}

TEST(JsonFields, OptionalStringKeepsAnEmptyStringWhenAllowed) {
    const auto object = parse_json_object(R"({"title":""})");
    JsonFields fields(object);
    EXPECT_EQ(fields.optional_string("title", {}), "");
}

TEST(JsonFields, MaxLengthCountsCodePointsSoAnEmojiIsOne) {
    const std::string body = "{\"message\":\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xC3\xA9\"}";
    const auto object = parse_json_object(body);
    JsonFields fields(object);
    EXPECT_EQ(fields.required_string("message", {.max_code_points = 3}).size(), 10u);
    expect_field_error(
        body, [](JsonFields& f) { f.required_string("message", {.max_code_points = 2}); },
        "invalid_field", R"("message" is longer than 2 characters)");
}

TEST(JsonFields, MaxLengthMessageNamesTheLimit) {
    const std::string body = "{\"message\":\"" + std::string(4001, 'x') + "\"}";
    expect_field_error(
        body, [](JsonFields& f) { f.required_string("message", {.max_code_points = 4000}); },
        "invalid_field", R"("message" is longer than 4000 characters)");
}

TEST(JsonFields, MinLengthCountsCodePoints) {
    const auto object = parse_json_object("{\"name\":\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\"}");
    JsonFields fields(object);
    EXPECT_NO_THROW(fields.required_string("name", {.min_code_points = 2}));
    expect_field_error(R"({"name":"ab"})",
                       [](JsonFields& f) { f.required_string("name", {.min_code_points = 3}); },
                       "invalid_field", R"("name" is shorter than 3 characters)");
    expect_field_error(R"({"name":""})",
                       [](JsonFields& f) { f.required_string("name", {.min_code_points = 1}); },
                       "invalid_field", R"("name" must not be empty)");
}

TEST(JsonFields, TrimStripsAsciiWhitespaceBeforeCounting) {
    const auto object = parse_json_object(R"({"name":" \t abc \r\n"})");
    JsonFields fields(object);
    EXPECT_EQ(fields.required_string("name", {.max_code_points = 3, .trim = true}), "abc");
}

TEST(JsonFields, TrimLeavesBlankTextEmpty) {
    expect_field_error(
        R"({"name":"  \n "})",
        [](JsonFields& f) { f.required_string("name", {.min_code_points = 1, .trim = true}); },
        "invalid_field", R"("name" must not be empty)");
}

TEST(JsonFields, WithoutTrimWhitespaceIsKeptAndCounted) {
    const auto object = parse_json_object(R"({"name":" abc "})");
    JsonFields fields(object);
    EXPECT_EQ(fields.required_string("name", {}), " abc ");
    expect_field_error(R"({"name":" abc "})",
                       [](JsonFields& f) { f.required_string("name", {.max_code_points = 3}); },
                       "invalid_field", R"("name" is longer than 3 characters)");
}

TEST(JsonFields, LineBreaksAreRejectedOnlyWhenTheRuleSaysSo) {
    const auto object = parse_json_object(R"({"text":"a\nb"})");
    JsonFields fields(object);
    EXPECT_EQ(fields.required_string("text", {}), "a\nb");
    for (const auto* body : {R"({"title":"a\nb"})", R"({"title":"a\rb"})",
                             R"({"title":"a\u2028b"})", R"({"title":"a\u0085b"})"}) {
        expect_field_error(
            body, [](JsonFields& f) { f.required_string("title", {.allow_newlines = false}); },
            "invalid_field", R"("title" must not contain line breaks)");
    }
}

TEST(JsonFields, NulCharactersAreRejected) {
    expect_field_error(R"({"message":"a\u0000b"})",
                       [](JsonFields& f) { f.required_string("message", {}); }, "invalid_field",
                       R"("message" must not contain NUL characters)");
}

// JsonFields: booleans

TEST(JsonFields, OptionalBoolReadsTrueAndFalse) {
    const auto object = parse_json_object(R"({"a":true,"b":false})");
    JsonFields fields(object);
    EXPECT_TRUE(fields.optional_bool("a", false));
    EXPECT_FALSE(fields.optional_bool("b", true));
}

TEST(JsonFields, OptionalBoolFallsBackWhenAbsentOrNull) {
    const auto object = parse_json_object(R"({"stream":null})");
    JsonFields fields(object);
    EXPECT_TRUE(fields.optional_bool("stream", true));
    EXPECT_FALSE(fields.optional_bool("other", false));
}

TEST(JsonFields, OptionalBoolRejectsEverythingButTrueAndFalse) {
    for (const auto* body :
         {R"({"stream":"true"})", R"({"stream":1})", R"({"stream":0})", R"({"stream":[]})"}) {
        expect_field_error(
            body, [](JsonFields& f) { f.optional_bool("stream", false); }, "invalid_field",
            R"("stream" must be true or false)");
    }
}

// JsonFields: integers

TEST(JsonFields, RequiredIntegerReadsValuesUpToBothBounds) {
    const auto object = parse_json_object(R"({"low":1,"high":100,"neg":-5,"zero":-0})");
    JsonFields fields(object);
    EXPECT_EQ(fields.required_integer("low", 1, 100), 1);
    EXPECT_EQ(fields.required_integer("high", 1, 100), 100);
    EXPECT_EQ(fields.required_integer("neg", -10, 0), -5);
    EXPECT_EQ(fields.required_integer("zero", 0, 0), 0);
}

TEST(JsonFields, RequiredIntegerAcceptsTheWholeInt64Range) {
    const auto object =
        parse_json_object(R"({"min":-9223372036854775808,"max":9223372036854775807})");
    JsonFields fields(object);
    constexpr auto lowest = std::numeric_limits<std::int64_t>::min();
    constexpr auto highest = std::numeric_limits<std::int64_t>::max();
    EXPECT_EQ(fields.required_integer("min", lowest, highest), lowest);
    EXPECT_EQ(fields.required_integer("max", lowest, highest), highest);
}

TEST(JsonFields, RequiredIntegerMissingIsMissingField) {
    expect_field_error(R"({})", [](JsonFields& f) { f.required_integer("limit", 1, 100); },
                       "missing_field", R"(missing field "limit")");
}

TEST(JsonFields, RequiredIntegerOutOfRangeNamesTheRange) {
    for (const auto* body : {R"({"limit":0})", R"({"limit":101})", R"({"limit":-1})",
                             R"({"limit":9223372036854775808})"}) {
        expect_field_error(
            body, [](JsonFields& f) { f.required_integer("limit", 1, 100); }, "invalid_field",
            R"("limit" must be an integer from 1 to 100)");
    }
}

TEST(JsonFields, IntegersWrittenWithFractionOrExponentAreRejected) {
    for (const auto* body :
         {R"({"limit":1.5})", R"({"limit":1.0})", R"({"limit":1e1})", R"({"limit":10E0})"}) {
        expect_field_error(
            body, [](JsonFields& f) { f.required_integer("limit", 1, 100); }, "invalid_field",
            R"("limit" must be an integer from 1 to 100)");
    }
}

TEST(JsonFields, IntegersAreNotReadFromOtherTypes) {
    for (const auto* body : {R"({"limit":"5"})", R"({"limit":true})", R"({"limit":null})"}) {
        expect_field_error(
            body, [](JsonFields& f) { f.required_integer("limit", 1, 100); }, "invalid_field",
            R"("limit" must be an integer from 1 to 100)");
    }
}

TEST(JsonFields, OptionalIntegerTreatsAbsentAndNullAsAbsent) {
    const auto object = parse_json_object(R"({"limit":null,"offset":3})");
    JsonFields fields(object);
    EXPECT_EQ(fields.optional_integer("limit", 1, 100), std::nullopt);
    EXPECT_EQ(fields.optional_integer("page", 1, 100), std::nullopt);
    EXPECT_EQ(fields.optional_integer("offset", 0, 10), 3);
    expect_field_error(R"({"limit":500})",
                       [](JsonFields& f) { f.optional_integer("limit", 1, 100); }, "invalid_field",
                       R"("limit" must be an integer from 1 to 100)");
}

TEST(JsonFields, OptionalNumberReadsIntegersAndFractionsWithinTheRange) {
    const auto object = parse_json_object(R"({"a":0,"b":1,"c":0.25,"d":5e-1,"e":null})");
    JsonFields fields(object);
    EXPECT_EQ(fields.optional_number("a", 0, 1), 0.0);
    EXPECT_EQ(fields.optional_number("b", 0, 1), 1.0);
    EXPECT_EQ(fields.optional_number("c", 0, 1), 0.25);
    EXPECT_EQ(fields.optional_number("d", 0, 1), 0.5);
    EXPECT_EQ(fields.optional_number("e", 0, 1), std::nullopt);
    EXPECT_EQ(fields.optional_number("f", 0, 1), std::nullopt);
}

TEST(JsonFields, OptionalNumberRejectsOtherTypesAndValuesOutOfRange) {
    for (const auto* body : {R"({"importance":1.0001})", R"({"importance":-0.1})",
                             R"({"importance":"0.5"})", R"({"importance":true})",
                             R"({"importance":1e300})", R"({"importance":[0.5]})"}) {
        expect_field_error(
            body, [](JsonFields& f) { f.optional_number("importance", 0, 1); }, "invalid_field",
            R"("importance" must be a number from 0 to 1)");
    }
}

// JsonFields: ids

TEST(JsonFields, OptionalIdReadsALowerCaseUuid) {
    const auto object = parse_json_object("{\"conversation_id\":\"" + std::string(good_id) + "\"}");
    JsonFields fields(object);
    EXPECT_EQ(fields.optional_id("conversation_id"), std::string(good_id));
    EXPECT_EQ(fields.optional_id("goal_id"), std::nullopt);
}

TEST(JsonFields, OptionalIdRejectsAnythingButALowerCaseUuid) {
    for (const auto* body :
         {R"({"conversation_id":"01936F0E-8C4A-7B3E-9F1D-2A6C5E4B3D21"})",
          R"({"conversation_id":"1"})", R"({"conversation_id":""})", R"({"conversation_id":42})",
          R"({"conversation_id":"01936f0e8c4a7b3e9f1d2a6c5e4b3d21"})"}) {
        expect_field_error(
            body, [](JsonFields& f) { f.optional_id("conversation_id"); }, "invalid_field",
            R"("conversation_id" must be an id (a lower-case UUID))");
    }
}

// JsonFields: unknown fields

TEST(JsonFields, FinishAcceptsFieldsThatWereReadOrAskedForButAbsent) {
    const auto object = parse_json_object(R"({"username":"ada","stream":true})");
    JsonFields fields(object);
    fields.required_string("username", {});
    fields.optional_bool("stream", false);
    fields.optional_string("persona", {});
    EXPECT_NO_THROW(fields.finish());
}

TEST(JsonFields, FinishNamesTheFirstUnknownFieldInBodyOrder) {
    expect_field_error(R"({"usernmae":"ada","password":"x","extra":1})",
                       [](JsonFields& f) {
                           f.optional_string("username", {});
                           f.optional_string("password", {});
                           f.finish();
                       },
                       "unknown_field", R"(unknown field "usernmae")");
}

TEST(JsonFields, FinishQuotesAndShortensAnUnknownName) {
    const std::string name = "a\\\"b" + std::string(100, 'x');
    const auto error = field_error("{\"" + name + "\":1}", [](JsonFields& f) { f.finish(); });
    EXPECT_EQ(error.code(), "unknown_field");
    expect_mentions(error, "unknown field \"a\\\"b" + std::string(61, 'x') + "\"...");
}

// require_id

TEST(RequireId, ReturnsAValidId) {
    EXPECT_EQ(require_id(good_id, "conversation"), std::string(good_id));
}

TEST(RequireId, AnythingElseIsNotFound) {
    for (const std::string_view raw :
         {std::string_view(""), std::string_view("1"), std::string_view("../../etc/passwd"),
          std::string_view("01936F0E-8C4A-7B3E-9F1D-2A6C5E4B3D21"),
          std::string_view("01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d2"),
          std::string_view("01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21 "),
          std::string_view("{01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d2}")}) {
        const auto error = error_from([&] { require_id(raw, "conversation"); });
        EXPECT_EQ(error.status(), 404u) << raw;
        EXPECT_EQ(error.code(), "not_found") << raw;
        EXPECT_EQ(std::string(error.what()), "conversation not found") << raw;
    }
}

}  // namespace
}  // namespace companion::api
