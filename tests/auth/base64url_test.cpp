#include "auth/base64url.hpp"

#include <string>

#include <gtest/gtest.h>

namespace companion::auth {
namespace {

TEST(Base64url, EncodesRfc4648VectorsWithoutPadding) {
    EXPECT_EQ(base64url_encode(""), "");
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("fo"), "Zm8");
    EXPECT_EQ(base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
    EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
    EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64url, UsesTheUrlSafeAlphabet) {
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64url, RoundTripsEveryByteValueAtEveryLength) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    for (std::size_t length = 0; length <= bytes.size(); ++length) {
        const std::string input = bytes.substr(bytes.size() - length);
        const auto decoded = base64url_decode(base64url_encode(input));
        ASSERT_TRUE(decoded.has_value()) << length;
        EXPECT_EQ(*decoded, input) << length;
    }
}

TEST(Base64url, DecodesEmptyTextToNoBytes) {
    EXPECT_EQ(base64url_decode(""), std::string());
}

TEST(Base64url, RejectsPadding) {
    EXPECT_FALSE(base64url_decode("Zg=="));
    EXPECT_FALSE(base64url_decode("Zg="));
    EXPECT_FALSE(base64url_decode("Zm8="));
    EXPECT_FALSE(base64url_decode("Zm9v===="));
    EXPECT_FALSE(base64url_decode("===="));
}

TEST(Base64url, RejectsCharactersOutsideTheAlphabet) {
    EXPECT_FALSE(base64url_decode("+/8"));
    EXPECT_FALSE(base64url_decode("Zm9v Yg"));
    EXPECT_FALSE(base64url_decode(" Zm9v"));
    EXPECT_FALSE(base64url_decode("Zm9v\n"));
    EXPECT_FALSE(base64url_decode("Zm9.v"));
    EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)));
    EXPECT_FALSE(base64url_decode("Zm9\xc3\xa9"));
}

TEST(Base64url, RejectsImpossibleLength) {
    EXPECT_FALSE(base64url_decode("Z"));
    EXPECT_FALSE(base64url_decode("Zm9vY"));
}

TEST(Base64url, RejectsNonZeroUnusedTrailingBits) {
    EXPECT_TRUE(base64url_decode("Zg"));
    EXPECT_FALSE(base64url_decode("Zh"));
    EXPECT_FALSE(base64url_decode("Zv"));
    EXPECT_TRUE(base64url_decode("Zm8"));
    EXPECT_FALSE(base64url_decode("Zm9"));
    EXPECT_FALSE(base64url_decode("Zm_"));
}

}  // namespace
}  // namespace companion::auth
