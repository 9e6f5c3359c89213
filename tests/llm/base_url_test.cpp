#include "llm/base_url.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace companion::llm {
namespace {

TEST(BaseUrl, PlainHttpWithPortAndPath) {
    const auto url = parse_base_url("http://localhost:1234/v1");
    EXPECT_FALSE(url.tls);
    EXPECT_EQ(url.host, "localhost");
    EXPECT_EQ(url.port, 1234);
    EXPECT_EQ(url.path, "/v1");
    EXPECT_EQ(url.host_header, "localhost:1234");
    EXPECT_FALSE(url.host_is_ip);
    EXPECT_EQ(url.target("/chat/completions"), "/v1/chat/completions");
    EXPECT_EQ(url.origin(), "http://localhost:1234");
}

TEST(BaseUrl, HttpsDefaultsToPort443AndOmitsItFromHost) {
    const auto url = parse_base_url("https://api.openai.com/v1/");
    EXPECT_TRUE(url.tls);
    EXPECT_EQ(url.port, 443);
    EXPECT_EQ(url.host_header, "api.openai.com");
    EXPECT_EQ(url.path, "/v1");
}

TEST(BaseUrl, IpAddressesAreRecognised) {
    const auto v4 = parse_base_url("http://127.0.0.1:8080");
    EXPECT_TRUE(v4.host_is_ip);
    EXPECT_EQ(v4.path, "");
    EXPECT_EQ(v4.target("/models"), "/models");
    const auto v6 = parse_base_url("https://[::1]:8443/v1");
    EXPECT_TRUE(v6.host_is_ip);
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.host_header, "[::1]:8443");
    EXPECT_EQ(v6.origin(), "https://[::1]:8443");
}

TEST(BaseUrl, BadUrlsAreRefused) {
    for (const char* bad : {"ftp://x/v1", "localhost:1234", "http://", "http://x/v1?a=b",
                            "http://x/v1#f", "http://x:0/"}) {
        SCOPED_TRACE(bad);
        EXPECT_THROW(parse_base_url(bad), std::invalid_argument);
    }
}

}  // namespace
}  // namespace companion::llm
