// Values through the PostgreSQL backend exactly as they went in: timestamps to the microsecond,
// embeddings bit for bit, large results and parameters, and text PostgreSQL cannot hold refused.
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/postgres/store_impl.hpp"
#include "support/async.hpp"
#include "support/postgres_admin.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
using store::pg::Params;
using store::pg::PgPool;
using store::pg::Statement;

struct Fixture {
    Fixture() {
        store::PgOptions options;
        options.url = database.url();
        options.pool_size = 2;
        store = std::make_unique<store::PgStore>(loop.executor(), options);
        loop.run(store->migrate_up());
        user = loop.run(store->create_user({"values", std::nullopt, "hash", false}));
    }
    ThrowawayDatabase database;
    TestLoop loop;
    std::unique_ptr<store::PgStore> store;
    store::User user;
};

store::Task<std::vector<std::int64_t>> round_trip_micros(PgPool& pool,
                                                         std::vector<std::int64_t> values) {
    const Statement statement{"companion_test_round_trip", "SELECT " PG_MICROS(PG_TIME("$1"))};
    std::vector<std::int64_t> out;
    for (const auto value : values) {
        const Params params(value);
        const auto result = co_await pool.query(statement, params);
        out.push_back(std::stoll(std::string(result.text(0, 0))));
    }
    co_return out;
}

TEST(PostgresValues, TimestampsRoundTripToTheMicrosecond) {
    Fixture fx;
    std::vector<std::int64_t> values = {0,
                                        1,
                                        -1,
                                        999'999,
                                        1'700'000'000'123'457,
                                        4'102'444'799'999'999,   // 2099-12-31T23:59:59.999999Z
                                        -2'208'988'800'000'001,  // just before 1900
                                        (std::int64_t{1} << 53) - 1};
    std::mt19937_64 random(42);
    std::uniform_int_distribution<std::int64_t> any_time(-2'208'988'800'000'000,
                                                         4'102'444'800'000'000);
    for (int i = 0; i < 200; ++i) values.push_back(any_time(random));
    EXPECT_EQ(fx.loop.run(round_trip_micros(fx.store->pool(), values)), values);

    const auto emotion = fx.loop.run(fx.store->insert_emotion(
        {"", fx.user.id, std::nullopt, std::nullopt, "joy", 0.5, 0.25, 0.125, {}}));
    const auto listed = fx.loop.run(fx.store->list_emotions(
        fx.user.id, emotion.created_at, emotion.created_at + std::chrono::microseconds(1), 10));
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed.front().created_at, emotion.created_at);
    EXPECT_EQ(listed.front().valence, 0.25);
}

std::vector<float> tricky_floats(std::size_t count) {
    std::vector<float> values = {0.1f,
                                 1.0f / 3.0f,
                                 -0.0f,
                                 FLT_MIN,
                                 std::numeric_limits<float>::denorm_min(),
                                 FLT_MAX,
                                 -FLT_MAX,
                                 123456.789f,
                                 1e-30f,
                                 16777217.0f};
    std::mt19937 random(7);
    while (values.size() < count) {
        const auto candidate = std::bit_cast<float>(static_cast<std::uint32_t>(random()));
        if (std::isfinite(candidate)) values.push_back(candidate);
    }
    return values;
}

TEST(PostgresValues, EmbeddingsRoundTripBitForBit) {
    Fixture fx;
    store::Memory memory;
    memory.user_id = fx.user.id;
    memory.content = "exact";
    memory.embedding = tricky_floats(1536);
    memory.embedding_model = "test";
    const auto inserted = fx.loop.run(fx.store->insert_memory(memory));
    EXPECT_EQ(inserted.embedding_dimension, 1536);
    const auto loaded = fx.loop.run(fx.store->load_memories(fx.user.id));
    ASSERT_EQ(loaded.size(), 1u);
    ASSERT_EQ(loaded.front().embedding.size(), memory.embedding.size());
    for (std::size_t i = 0; i < memory.embedding.size(); ++i) {
        EXPECT_EQ(std::bit_cast<std::uint32_t>(loaded.front().embedding[i]),
                  std::bit_cast<std::uint32_t>(memory.embedding[i]))
            << "element " << i << ": " << memory.embedding[i];
    }
    EXPECT_EQ(loaded.front().embedding_dimension, 1536);
}

TEST(PostgresValues, LargeResultsAndParametersStreamThroughTheSocket) {
    Fixture fx;
    store::Memory memory;
    memory.user_id = fx.user.id;
    memory.embedding_model = "test";
    memory.embedding = tricky_floats(1536);
    constexpr int kMemories = 200;  // about 3 MB of vector text each way
    for (int i = 0; i < kMemories; ++i) {
        memory.content = "memory " + std::to_string(i) + std::string(2000, 'x');
        memory.embedding[0] = static_cast<float>(i);
        fx.loop.run(fx.store->insert_memory(memory));
    }
    const auto started = std::chrono::steady_clock::now();
    const auto loaded = fx.loop.run(fx.store->load_memories(fx.user.id));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    ASSERT_EQ(loaded.size(), static_cast<std::size_t>(kMemories));
    for (int i = 0; i < kMemories; ++i) {
        EXPECT_EQ(loaded[static_cast<std::size_t>(i)].embedding[0], static_cast<float>(i));
    }
    const auto page = fx.loop.run(fx.store->list_memories(fx.user.id, 1000, std::nullopt));
    EXPECT_EQ(page.rows.size(), static_cast<std::size_t>(kMemories));
}

TEST(PostgresValues, TextWithANulCharacterIsRefusedNotTruncated) {
    Fixture fx;
    EXPECT_THROW(fx.loop.run(fx.store->create_conversation(fx.user.id, std::string("a\0b", 3))),
                 std::invalid_argument);
    EXPECT_TRUE(fx.loop.run(fx.store->list_conversations(fx.user.id, 10, std::nullopt))
                    .rows.empty());
}

TEST(PostgresValues, ExtremeCursorsAndRangesAreClampedNotErrors) {
    Fixture fx;
    const auto conversation = fx.loop.run(fx.store->create_conversation(fx.user.id, "c"));
    const auto far = store::encode_cursor({std::numeric_limits<std::int64_t>::max(),
                                           conversation.id});
    EXPECT_EQ(fx.loop.run(fx.store->list_conversations(fx.user.id, 10, far)).rows.size(), 1u);
    const auto early = store::encode_cursor({std::numeric_limits<std::int64_t>::min(),
                                             conversation.id});
    EXPECT_TRUE(fx.loop.run(fx.store->list_conversations(fx.user.id, 10, early)).rows.empty());
    EXPECT_TRUE(fx.loop.run(fx.store->list_emotions(fx.user.id, store::Timestamp::min(),
                                                    store::Timestamp::max(), 10))
                    .empty());
}

}  // namespace
}  // namespace companion::testing
