#include "cache/redis_url.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace companion::cache {
namespace {

// The message of the std::invalid_argument the URL is rejected with; "" when it is accepted.
std::string rejection(std::string_view url) {
    try {
        parse_redis_url(url);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "";
}

TEST(RedisUrl, HostAloneGetsDefaultPortDatabaseAndNoAuth) {
    const auto url = parse_redis_url("redis://cache.internal");
    EXPECT_EQ(url.host, "cache.internal");
    EXPECT_EQ(url.port, 6379);
    EXPECT_EQ(url.db, 0);
    EXPECT_EQ(url.username, "");
    EXPECT_EQ(url.password, "");
    EXPECT_FALSE(url.needs_auth());
}

TEST(RedisUrl, ReadsPortAndDatabase) {
    const auto url = parse_redis_url("redis://127.0.0.1:56379/3");
    EXPECT_EQ(url.host, "127.0.0.1");
    EXPECT_EQ(url.port, 56379);
    EXPECT_EQ(url.db, 3);
    EXPECT_EQ(parse_redis_url("redis://h:1/").db, 0);
    EXPECT_EQ(parse_redis_url("REDIS://h").host, "h");
}

TEST(RedisUrl, EmptyUserMeansPasswordOnlyAuth) {
    const auto url = parse_redis_url("redis://:companion-test-redis@127.0.0.1:56379/0");
    EXPECT_EQ(url.username, "");
    EXPECT_EQ(url.password, "companion-test-redis");
    EXPECT_TRUE(url.needs_auth());
}

TEST(RedisUrl, ReadsUserAndPassword) {
    const auto url = parse_redis_url("redis://app:secret@redis:6380/1");
    EXPECT_EQ(url.username, "app");
    EXPECT_EQ(url.password, "secret");
    EXPECT_EQ(url.host, "redis");
    EXPECT_EQ(url.port, 6380);
    EXPECT_EQ(url.db, 1);
}

TEST(RedisUrl, PercentDecodesUserAndPassword) {
    const auto url = parse_redis_url("redis://us%65r:p%40ss%3Aw%2Fo%25rd@h");
    EXPECT_EQ(url.username, "user");
    EXPECT_EQ(url.password, "p@ss:w/o%rd");
}

TEST(RedisUrl, TheLastAtSignEndsThePassword) {
    const auto url = parse_redis_url("redis://:p@ss/word?@h:7000/2");
    EXPECT_EQ(url.password, "p@ss/word?");
    EXPECT_EQ(url.host, "h");
    EXPECT_EQ(url.port, 7000);
    EXPECT_EQ(url.db, 2);
}

TEST(RedisUrl, ReadsBracketedIpv6Hosts) {
    const auto url = parse_redis_url("redis://[::1]:6390/4");
    EXPECT_EQ(url.host, "::1");
    EXPECT_EQ(url.port, 6390);
    EXPECT_EQ(url.db, 4);
    EXPECT_EQ(url.endpoint(), "[::1]:6390");
    EXPECT_EQ(parse_redis_url("redis://[fe80::2]").port, 6379);
}

TEST(RedisUrl, RejectsTlsSchemeWithAClearMessage) {
    EXPECT_EQ(rejection("rediss://:pw@redis.example.com:6380/0"),
              "rediss:// (TLS) is not supported by this build; use redis:// on a private network "
              "or a TLS proxy such as stunnel");
    EXPECT_NE(rejection("REDISS://h"), "");
}

TEST(RedisUrl, RejectsOtherSchemesAndMissingScheme) {
    EXPECT_NE(rejection("http://h:6379").find("scheme is 'http'"), std::string::npos);
    EXPECT_NE(rejection("localhost:6379").find("does not start with redis://"), std::string::npos);
    EXPECT_NE(rejection("unix:///tmp/redis.sock"), "");
}

TEST(RedisUrl, RejectsBadPorts) {
    for (const char* url : {"redis://h:0", "redis://h:65536", "redis://h:abc",
                            "redis://h:", "redis://h:-1", "redis://h:+80", "redis://[::1]:"}) {
        EXPECT_NE(rejection(url), "") << url;
    }
    EXPECT_NE(rejection("redis://h:0").find("port"), std::string::npos);
    EXPECT_EQ(parse_redis_url("redis://h:65535").port, 65535);
}

TEST(RedisUrl, RejectsBadDatabases) {
    for (const char* url :
         {"redis://h/x", "redis://h/-1", "redis://h/1/2", "redis://h/99999999999"}) {
        EXPECT_NE(rejection(url).find("database"), std::string::npos) << url;
    }
}

TEST(RedisUrl, RejectsMissingOrMalformedHosts) {
    EXPECT_NE(rejection("redis://").find("host is missing"), std::string::npos);
    EXPECT_NE(rejection("redis://:pw@:6379").find("host is missing"), std::string::npos);
    EXPECT_NE(rejection("redis://[::1"), "");
    EXPECT_NE(rejection("redis://::1:6379").find("brackets"), std::string::npos);
    EXPECT_NE(rejection("redis://my host"), "");
}

TEST(RedisUrl, RejectsQueryParameters) {
    EXPECT_NE(rejection("redis://h:6379/0?timeout=5").find("query"), std::string::npos);
}

TEST(RedisUrl, RejectsUserInfoWithoutColonAndSaysHowToWriteAPassword) {
    const auto message = rejection("redis://hunter2@h");
    EXPECT_NE(message.find("redis://:password@host"), std::string::npos);
    EXPECT_EQ(message.find("hunter2"), std::string::npos);
}

TEST(RedisUrl, RejectsBadPercentEncodingWithoutShowingThePassword) {
    const auto message = rejection("redis://:top%zzsecret@h");
    EXPECT_NE(message.find("%25"), std::string::npos);
    EXPECT_EQ(message.find("secret"), std::string::npos);
    EXPECT_NE(rejection("redis://:abc%4@h"), "");
}

TEST(RedisUrl, RedactedFormHidesThePassword) {
    EXPECT_EQ(parse_redis_url("redis://:s3cret@h:1/2").redacted(), "redis://:***@h:1/2");
    EXPECT_EQ(parse_redis_url("redis://app:s3cret@h").redacted(), "redis://app:***@h:6379/0");
    EXPECT_EQ(parse_redis_url("redis://h").redacted(), "redis://h:6379/0");
}

}  // namespace
}  // namespace companion::cache
