#include "util/utf8.hpp"

#include <gtest/gtest.h>

namespace companion::util {
namespace {

TEST(Utf8, CountsCodePointsNotBytes) {
    EXPECT_EQ(count_code_points("hello"), 5u);
    EXPECT_EQ(count_code_points("h\xC3\xA9llo"), 5u);                 // é
    EXPECT_EQ(count_code_points("\xE2\x9D\xA4\xEF\xB8\x8F"), 2u);     // ❤️ (heart + selector)
    EXPECT_EQ(count_code_points("\xF0\x9F\x98\x80"), 1u);             // 😀
    EXPECT_EQ(count_code_points(""), 0u);
}

TEST(Utf8, RejectsInvalidSequences) {
    EXPECT_FALSE(is_valid_utf8("\xFF"));
    EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("a\x80z"));            // lone continuation
    EXPECT_FALSE(count_code_points("ok\xFE").has_value());
}

TEST(Utf8, AcceptsBoundaryCodePoints) {
    EXPECT_TRUE(is_valid_utf8("\x7F"));
    EXPECT_TRUE(is_valid_utf8("\xC2\x80"));
    EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));
    EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));
}

TEST(Utf8, SanitizeReplacesOnlyInvalidBytes) {
    EXPECT_EQ(sanitize_utf8("a\xFFz"), "a\xEF\xBF\xBDz");
    EXPECT_EQ(sanitize_utf8("h\xC3\xA9"), "h\xC3\xA9");
    EXPECT_TRUE(is_valid_utf8(sanitize_utf8("\xC3\x28\xA0\xA1\xF0\x28\x8C\xBC")));
}

}  // namespace
}  // namespace companion::util
