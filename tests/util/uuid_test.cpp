#include "util/uuid.hpp"

#include <chrono>
#include <set>
#include <thread>
#include <vector>

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

// Each thread draws from its own pool of random bytes: threads must never hand out the same bytes.
TEST(Uuid, IdsMintedOnManyThreadsAtOnceAreAllDifferent) {
    constexpr int kThreads = 4;
    constexpr int kPerThread = 5000;  // many pool refills per thread
    std::vector<std::vector<std::string>> minted(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&minted, t] {
            for (int i = 0; i < kPerThread; ++i) minted[t].push_back(new_uuid_v7());
        });
    }
    for (auto& thread : threads) thread.join();
    std::set<std::string> seen;
    for (const auto& ids : minted) {
        for (const auto& id : ids) EXPECT_TRUE(seen.insert(id).second) << id;
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kPerThread));
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
