// CORS with an exact allow-list, from outside.
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

class Cors : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        service_ = new Service(Env{{"CORS_ORIGINS", "https://app.example.com, http://localhost:3000"}});
    }
    static void TearDownTestSuite() {
        delete service_;
        service_ = nullptr;
    }
    static Service* service_;
};

Service* Cors::service_ = nullptr;

TEST_F(Cors, PreflightFromAllowedOriginIsAnswered) {
    HttpClient client(service_->port());
    const auto response = client.request("OPTIONS", "/health",
                                         {{"Origin", "https://app.example.com"},
                                          {"Access-Control-Request-Method", "GET"},
                                          {"Access-Control-Request-Headers", "authorization"}});
    EXPECT_EQ(response.status, 204u);
    EXPECT_EQ(response.header("access-control-allow-origin"), "https://app.example.com");
    EXPECT_NE(response.header("access-control-allow-methods").find("POST"), std::string::npos);
    EXPECT_NE(response.header("access-control-allow-headers").find("Authorization"),
              std::string::npos);
    EXPECT_NE(response.header("vary").find("Origin"), std::string::npos);
    EXPECT_FALSE(response.header("access-control-max-age").empty());
}

TEST_F(Cors, PreflightFromOtherOriginIsRefusedWithoutCorsHeaders) {
    HttpClient client(service_->port());
    const auto response = client.request(
        "OPTIONS", "/health",
        {{"Origin", "https://evil.example.com"}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_EQ(response.status, 403u);
    EXPECT_FALSE(response.has_header("access-control-allow-origin"));
    EXPECT_FALSE(response.has_header("access-control-allow-methods"));
    EXPECT_NE(response.header("vary").find("Origin"), std::string::npos);
}

TEST_F(Cors, PreflightAskingForUnlistedHeaderIsRefused) {
    HttpClient client(service_->port());
    const auto response = client.request("OPTIONS", "/health",
                                         {{"Origin", "http://localhost:3000"},
                                          {"Access-Control-Request-Method", "GET"},
                                          {"Access-Control-Request-Headers", "x-secret-thing"}});
    EXPECT_EQ(response.status, 403u);
    EXPECT_FALSE(response.has_header("access-control-allow-origin"));
}

TEST_F(Cors, ActualRequestFromAllowedOriginGetsCorsHeaders) {
    HttpClient client(service_->port());
    const auto response = client.get("/health", {{"Origin", "http://localhost:3000"}});
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.header("access-control-allow-origin"), "http://localhost:3000");
    EXPECT_NE(response.header("access-control-expose-headers").find("X-Request-ID"),
              std::string::npos);
    EXPECT_EQ(response.header("vary"), "Origin");
}

TEST_F(Cors, ActualRequestFromOtherOriginGetsNoCorsHeaders) {
    HttpClient client(service_->port());
    const auto response = client.get("/health", {{"Origin", "https://app.example.com.evil.io"}});
    EXPECT_EQ(response.status, 200u);
    EXPECT_FALSE(response.has_header("access-control-allow-origin"));
}

TEST_F(Cors, ErrorResponsesCarryCorsHeadersForAllowedOrigins) {
    HttpClient client(service_->port());
    const auto response = client.get("/nope", {{"Origin", "https://app.example.com"}});
    EXPECT_EQ(response.status, 404u);
    EXPECT_EQ(response.header("access-control-allow-origin"), "https://app.example.com");
}

TEST(CorsWildcard, DevelopmentDefaultAllowsAnyOrigin) {
    Service service;  // ENVIRONMENT=development, CORS_ORIGINS unset
    HttpClient client(service.port());
    const auto response = client.get("/health", {{"Origin", "https://anything.example"}});
    EXPECT_EQ(response.header("access-control-allow-origin"), "*");
}

}  // namespace
}  // namespace companion::testing
