#include "cache/redis_reply.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cache/redis_errors.hpp"
#include "cache/redis_protocol.hpp"

namespace companion::cache {
namespace {

TEST(RedisReply, DefaultIsNil) {
    const Reply reply;
    EXPECT_TRUE(reply.is_nil());
    EXPECT_EQ(reply.as_optional_string(), std::nullopt);
    EXPECT_THROW(reply.as_string(), RedisTypeError);
}

TEST(RedisReply, StringsAndStatusesReadAsStrings) {
    EXPECT_EQ(Reply::from_string(std::string("a\0b", 3)).as_string(), std::string("a\0b", 3));
    EXPECT_EQ(Reply::from_status("OK").as_string(), "OK");
    EXPECT_EQ(Reply::from_string("v").as_optional_string(), "v");
    EXPECT_TRUE(Reply::from_status("OK").is_string());
}

TEST(RedisReply, IntegersAlsoReadFromDecimalStrings) {
    EXPECT_EQ(Reply::from_integer(-7).as_integer(), -7);
    EXPECT_EQ(Reply::from_string("42").as_integer(), 42);
    EXPECT_THROW(Reply::from_string("42x").as_integer(), RedisTypeError);
    EXPECT_THROW(Reply::from_string("").as_integer(), RedisTypeError);
    EXPECT_THROW(Reply().as_integer(), RedisTypeError);
}

TEST(RedisReply, ReadingAnErrorReplyThrowsRedisErrorWithTheServerMessage) {
    const auto reply = Reply::from_error("WRONGTYPE Operation against a key");
    EXPECT_TRUE(reply.is_error());
    try {
        reply.as_string();
        FAIL() << "no exception";
    } catch (const RedisError& error) {
        EXPECT_STREQ(error.what(), "WRONGTYPE Operation against a key");
    }
    EXPECT_THROW(reply.as_integer(), RedisError);
}

TEST(RedisReply, TypeMismatchNamesBothTypes) {
    try {
        Reply::from_array({}).as_integer();
        FAIL() << "no exception";
    } catch (const RedisTypeError& error) {
        EXPECT_STREQ(error.what(), "Redis reply is an array, expected an integer");
    }
}

TEST(RedisProtocol, EncodesBinarySafeArguments) {
    using namespace std::string_literals;
    std::string out;
    detail::append_command(out, {"SET", "k", "a\0\r\nb"s});
    EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\0\r\nb\r\n"s);
    EXPECT_THROW(detail::append_command(out, {}), std::invalid_argument);
}

TEST(RedisProtocol, DecodesEveryReplyTypeAcrossSplitReads) {
    using namespace std::string_literals;
    const auto stream =
        "+OK\r\n:12\r\n$-1\r\n-ERR bad\r\n$5\r\na\0\r\nb\r\n*2\r\n:1\r\n*1\r\n$1\r\nx\r\n"s;
    detail::Decoder decoder;
    std::vector<Reply> replies;
    for (char byte : stream) {
        decoder.feed(&byte, 1);
        while (auto reply = decoder.next()) replies.push_back(std::move(*reply));
    }
    ASSERT_TRUE(decoder.error().empty()) << decoder.error();
    ASSERT_EQ(replies.size(), 6u);
    EXPECT_EQ(replies[0], Reply::from_status("OK"));
    EXPECT_EQ(replies[1], Reply::from_integer(12));
    EXPECT_TRUE(replies[2].is_nil());
    EXPECT_EQ(replies[3], Reply::from_error("ERR bad"));
    EXPECT_EQ(replies[4], Reply::from_string(std::string("a\0\r\nb", 5)));
    EXPECT_EQ(replies[5], Reply::from_array({Reply::from_integer(1),
                                             Reply::from_array({Reply::from_string("x")})}));
}

TEST(RedisProtocol, ReportsAProtocolError) {
    detail::Decoder decoder;
    decoder.feed("?what\r\n", 7);
    EXPECT_EQ(decoder.next(), std::nullopt);
    EXPECT_FALSE(decoder.error().empty());
}

}  // namespace
}  // namespace companion::cache
