#include "api/query.hpp"

#include <gtest/gtest.h>

#include "http/api_error.hpp"

namespace companion::api {
namespace {

http::Request with_query(std::string_view query) {
    http::Request request;
    request.query = query;
    return request;
}

unsigned status_of(std::string_view query, std::vector<std::string_view> known = {"limit"}) {
    try {
        const auto request = with_query(query);
        const QueryParams params(request, known);
        page_request(params);
    } catch (const http::ApiError& error) {
        return error.status();
    }
    return 200;
}

TEST(Query, ReadsDecodedValues) {
    const auto request = with_query("cursor=a%2Bb+c&limit=5");
    const QueryParams params(request, {"cursor", "limit"});
    EXPECT_EQ(params.text("cursor"), "a+b c");
    const auto page = page_request(params);
    EXPECT_EQ(page.limit, 5);
    EXPECT_EQ(page.cursor, "a+b c");
}

TEST(Query, DefaultsWhenAbsent) {
    const auto request = with_query("");
    const QueryParams params(request, {"cursor", "limit"});
    const auto page = page_request(params);
    EXPECT_EQ(page.limit, 20);
    EXPECT_FALSE(page.cursor);
}

TEST(Query, RefusesUnknownRepeatedMalformedAndOutOfRange) {
    EXPECT_EQ(status_of("nope=1"), 400u);
    EXPECT_EQ(status_of("limit=1&limit=2"), 400u);
    EXPECT_EQ(status_of("limit=%zz"), 400u);
    EXPECT_EQ(status_of("limit=0"), 422u);
    EXPECT_EQ(status_of("limit=101"), 422u);
    EXPECT_EQ(status_of("limit=abc"), 422u);
    EXPECT_EQ(status_of("limit=100"), 200u);
}

}  // namespace
}  // namespace companion::api
