#include "http/cors.hpp"

#include <gtest/gtest.h>

namespace companion::http {
namespace {

std::string header(const CorsPolicy::Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (key == name) return value;
    }
    return {};
}

TEST(CorsPolicy, AllowsOnlyExactListedOrigins) {
    const CorsPolicy policy({"https://app.example.com", "http://localhost:3000"});
    EXPECT_TRUE(policy.allows("https://app.example.com"));
    EXPECT_TRUE(policy.allows("HTTPS://APP.EXAMPLE.COM"));
    EXPECT_TRUE(policy.allows("http://localhost:3000"));
    EXPECT_FALSE(policy.allows("http://localhost:3001"));
    EXPECT_FALSE(policy.allows("https://app.example.com.evil.io"));
    EXPECT_FALSE(policy.allows("http://app.example.com"));
    EXPECT_FALSE(policy.allows(""));
    EXPECT_FALSE(policy.allows("null"));
}

TEST(CorsPolicy, WildcardAllowsAnyOriginAndAnswersStar) {
    const CorsPolicy policy({"*"});
    EXPECT_TRUE(policy.allows("https://whatever.example"));
    const auto headers = policy.actual_request_headers("https://whatever.example");
    EXPECT_EQ(header(headers, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(header(headers, "Vary"), "");
}

TEST(CorsPolicy, ActualRequestFromListedOriginEchoesIt) {
    const CorsPolicy policy({"https://app.example.com"});
    const auto headers = policy.actual_request_headers("https://app.example.com");
    EXPECT_EQ(header(headers, "Access-Control-Allow-Origin"), "https://app.example.com");
    EXPECT_EQ(header(headers, "Vary"), "Origin");
    EXPECT_NE(header(headers, "Access-Control-Expose-Headers").find("X-Request-ID"),
              std::string::npos);
}

TEST(CorsPolicy, ActualRequestFromOtherOriginGetsOnlyVary) {
    const CorsPolicy policy({"https://app.example.com"});
    const auto headers = policy.actual_request_headers("https://other.example.com");
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].first, "Vary");
}

TEST(CorsPolicy, EmptyListAllowsNothing) {
    const CorsPolicy policy({});
    EXPECT_FALSE(policy.allows("https://app.example.com"));
    EXPECT_FALSE(policy.preflight("https://app.example.com", "GET", "").allowed);
}

TEST(CorsPolicy, PreflightAllowedListsMethodsHeadersAndMaxAge) {
    const CorsPolicy policy({"https://app.example.com"});
    const auto result =
        policy.preflight("https://app.example.com", "POST", "Authorization, content-type");
    ASSERT_TRUE(result.allowed);
    EXPECT_EQ(header(result.headers, "Access-Control-Allow-Origin"), "https://app.example.com");
    EXPECT_EQ(header(result.headers, "Access-Control-Allow-Methods"), CorsPolicy::allowed_methods());
    EXPECT_EQ(header(result.headers, "Access-Control-Allow-Headers"), CorsPolicy::allowed_headers());
    EXPECT_EQ(header(result.headers, "Access-Control-Max-Age"), "600");
    EXPECT_NE(header(result.headers, "Vary").find("Origin"), std::string::npos);
}

TEST(CorsPolicy, PreflightRefusesUnknownOriginMethodOrHeader) {
    const CorsPolicy policy({"https://app.example.com"});
    EXPECT_FALSE(policy.preflight("https://evil.example.com", "GET", "").allowed);
    EXPECT_FALSE(policy.preflight("https://app.example.com", "TRACE", "").allowed);
    EXPECT_FALSE(policy.preflight("https://app.example.com", "GET", "X-Evil").allowed);
    const auto refused = policy.preflight("https://evil.example.com", "GET", "");
    EXPECT_EQ(header(refused.headers, "Access-Control-Allow-Origin"), "");
    EXPECT_NE(header(refused.headers, "Vary").find("Origin"), std::string::npos);
}

TEST(CorsPolicy, PreflightIsOptionsWithOriginAndRequestedMethod) {
    EXPECT_TRUE(is_cors_preflight("OPTIONS", "https://a.example", "POST"));
    EXPECT_FALSE(is_cors_preflight("OPTIONS", "", "POST"));
    EXPECT_FALSE(is_cors_preflight("OPTIONS", "https://a.example", ""));
    EXPECT_FALSE(is_cors_preflight("GET", "https://a.example", "POST"));
}

}  // namespace
}  // namespace companion::http
