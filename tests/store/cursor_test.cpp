#include "store/cursor.hpp"

#include <gtest/gtest.h>

namespace companion::store {
namespace {

TEST(Cursor, RoundTripsKeyAndId) {
    const CursorPosition position{1732600000123456, "01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21"};
    const auto decoded = decode_cursor(encode_cursor(position));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->key, position.key);
    EXPECT_EQ(decoded->id, position.id);
}

TEST(Cursor, AllowsAnEmptyIdForUniqueKeys) {
    const auto decoded = decode_cursor(encode_cursor({42, ""}));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->key, 42);
    EXPECT_EQ(decoded->id, "");
}

TEST(Cursor, RejectsWhatTheServiceDidNotProduce) {
    EXPECT_FALSE(decode_cursor("").has_value());
    EXPECT_FALSE(decode_cursor("abc").has_value());
    EXPECT_FALSE(decode_cursor("_01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21").has_value());
    EXPECT_FALSE(decode_cursor("12x_01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21").has_value());
    EXPECT_FALSE(decode_cursor("12_' OR 1=1").has_value());
    EXPECT_FALSE(decode_cursor("99999999999999999999999_").has_value());
}

}  // namespace
}  // namespace companion::store
