#include "util/uuid.hpp"

#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace companion::util {
namespace {

TEST(Uuid, NewIdsAreVersion7CanonicalAndUnique) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const auto id = new_uuid_v7();
        ASSERT_TRUE(is_uuid(id)) << id;
        EXPECT_EQ(id[14], '7');
        EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
        EXPECT_TRUE(seen.insert(id).second);
    }
}

TEST(Uuid, IdsSortByCreationTimeAcrossMilliseconds) {
    const auto first = new_uuid_v7();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto second = new_uuid_v7();
    EXPECT_LT(first, second);
}

TEST(Uuid, RecognisesOnlyCanonicalLowerCaseForm) {
    EXPECT_TRUE(is_uuid("01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21"));
    EXPECT_FALSE(is_uuid("01936F0E-8C4A-7B3E-9F1D-2A6C5E4B3D21"));
    EXPECT_FALSE(is_uuid("01936f0e8c4a7b3e9f1d2a6c5e4b3d21"));
    EXPECT_FALSE(is_uuid("01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d2"));
    EXPECT_FALSE(is_uuid("01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d2g"));
    EXPECT_FALSE(is_uuid("' OR 1=1 --"));
    EXPECT_FALSE(is_uuid(""));
}

}  // namespace
}  // namespace companion::util
