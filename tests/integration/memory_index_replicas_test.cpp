// Two replicas (two store instances on one PostgreSQL database, each with its own memory index)
// kept coherent by RedisMemoryEvents over the real test Redis: a memory added or deleted through
// one is seen or gone through the other; a replica whose invalidation channel is down answers
// from the store, never from its cache.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "cache/redis_client.hpp"
#include "cache/redis_subscriber.hpp"
#include "memory/builtin_embedder.hpp"
#include "memory/memory_events_redis.hpp"
#include "memory/memory_index.hpp"
#include "memory/memory_service.hpp"
#include "store/store.hpp"
#include "support/async.hpp"
#include "support/stores.hpp"

namespace companion::memory {
namespace {

using namespace std::chrono_literals;

constexpr double kThreshold = 0.2;
const std::string kQuestion = "How should I plan my long runs for the marathon?";

struct Replica {
    Replica(testing::StoreOpener& open, testing::TestLoop& loop, const std::string& redis_url,
            BuiltinEmbedder& embedder)
        : store(open()),
          index(*store, options(embedder)),
          redis(loop.executor(), redis_url),
          subscriber(loop.executor(), redis_url),
          events(redis, &subscriber, &index.cache()),
          memories(*store, embedder, index, &events) {}
    // Background loads use the store: they end before it goes.
    ~Replica() {
        testing::eventually([this] { return index.loads_in_flight() == 0; }, 30s);
    }

    static MatrixCacheOptions options(const Embedder& embedder) {
        MatrixCacheOptions o;
        o.model = embedder.model_name();
        return o;
    }

    std::unique_ptr<store::Store> store;
    MemoryIndex index;
    cache::RedisClient redis;
    cache::RedisSubscriber subscriber;
    RedisMemoryEvents events;
    MemoryService memories;
};

class MemoryIndexReplicas : public ::testing::Test {
  protected:
    void SetUp() override {
        const char* url = std::getenv("COMPANION_TEST_REDIS_URL");
        ASSERT_NE(url, nullptr) << "COMPANION_TEST_REDIS_URL is not set: start the test services "
                                   "with scripts/services.sh up, then eval \"$(scripts/services.sh "
                                   "env)\"";
        redis_url_ = url;
        open_ = testing::make_test_database("postgresql");
        a_ = std::make_unique<Replica>(open_, loop_, redis_url_, embedder_);
        b_ = std::make_unique<Replica>(open_, loop_, redis_url_, embedder_);
        loop_.run(a_->store->migrate_up());
        loop_.run(a_->events.start());
        loop_.run(b_->events.start());
        ASSERT_TRUE(a_->index.cache().trusted());
        ASSERT_TRUE(b_->index.cache().trusted());
        user_ = loop_.run(a_->store->create_user(
            store::NewUser{"replicated-memories", std::nullopt, "x", false}));
    }

    void TearDown() override {
        b_.reset();
        a_.reset();
    }

    std::size_t recalled_by(Replica& replica) {
        return loop_.run(replica.memories.recall(user_.id, kQuestion, 5, kThreshold)).size();
    }

    testing::TestLoop loop_{2};
    BuiltinEmbedder embedder_;
    std::string redis_url_;
    testing::StoreOpener open_;
    std::unique_ptr<Replica> a_;
    std::unique_ptr<Replica> b_;
    store::User user_;
};

TEST_F(MemoryIndexReplicas, AMemoryAddedOrDeletedThroughOneReplicaIsSeenOrGoneThroughTheOther) {
    EXPECT_EQ(recalled_by(*a_), 0u);
    EXPECT_EQ(recalled_by(*b_), 0u);
    // Those recalls started loading the user's (empty) matrix on both.
    ASSERT_TRUE(testing::eventually([&] { return a_->index.cache().contains(user_.id); }, 30s));
    ASSERT_TRUE(testing::eventually([&] { return b_->index.cache().contains(user_.id); }, 30s));

    const auto added = loop_.run(a_->memories.add(
        {user_.id, "I'm training for the Berlin marathon in September", {}, {}, 0.5}));
    EXPECT_EQ(recalled_by(*a_), 1u);  // a applied its own write in place
    EXPECT_TRUE(testing::eventually([&] { return recalled_by(*b_) == 1; }, 3s));
    // b dropped its matrix on a's message (and answered from the store meanwhile).
    EXPECT_TRUE(testing::eventually([&] { return b_->index.counters().loads >= 2; }, 30s));

    EXPECT_TRUE(loop_.run(a_->memories.remove(user_.id, added.id)));
    EXPECT_EQ(recalled_by(*a_), 0u);
    EXPECT_TRUE(testing::eventually([&] { return recalled_by(*b_) == 0; }, 3s));

    // a never dropped its own matrix on its own messages: one load for all of this.
    EXPECT_EQ(a_->index.counters().loads, 1u);
    EXPECT_EQ(a_->index.counters().from_store, 1u);
}

TEST_F(MemoryIndexReplicas, AReplicaWithoutItsInvalidationChannelAnswersFromTheStore) {
    // Nothing listens on port 1: the subscription cannot be made.
    cache::RedisClient redis(loop_.executor(), "redis://127.0.0.1:1/0");
    cache::RedisSubscriber subscriber(loop_.executor(), "redis://127.0.0.1:1/0");
    MemoryIndex index(*b_->store, Replica::options(embedder_));
    struct Settled {
        MemoryIndex& index;
        ~Settled() {
            testing::eventually([this] { return index.loads_in_flight() == 0; }, 30s);
        }
    } settled{index};
    RedisMemoryEvents events(redis, &subscriber, &index.cache());
    MemoryService memories(*b_->store, embedder_, index, &events);
    loop_.run(events.start());
    EXPECT_FALSE(index.cache().trusted());

    loop_.run(a_->memories.add(
        {user_.id, "I'm training for the Berlin marathon in September", {}, {}, 0.5}));
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(loop_.run(memories.recall(user_.id, kQuestion, 5, kThreshold)).size(), 1u);
    }
    EXPECT_EQ(index.counters().from_store, 3u);
    EXPECT_EQ(index.cache().stats().users, 0u);
    // Publishing without Redis is logged, never thrown.
    EXPECT_NO_THROW(loop_.run(events.memories_changed(user_.id)));
}

TEST_F(MemoryIndexReplicas, AReplicaThatMissedTheMessageStillNeverAnswersFromItsOldMatrix) {
    // c shares the Redis but never subscribes (its messages are "lost"); it is trusted anyway,
    // so only the shared version read before each search keeps it from its old matrix.
    cache::RedisClient redis(loop_.executor(), redis_url_);
    MemoryIndex index(*b_->store, Replica::options(embedder_));
    struct Settled {
        MemoryIndex& index;
        ~Settled() {
            testing::eventually([this] { return index.loads_in_flight() == 0; }, 30s);
        }
    } settled{index};
    RedisMemoryEvents events(redis, nullptr, &index.cache());
    MemoryService memories(*b_->store, embedder_, index, &events);
    index.cache().set_trusted(true);

    EXPECT_TRUE(loop_.run(memories.recall(user_.id, kQuestion, 5, kThreshold)).empty());
    ASSERT_TRUE(testing::eventually([&] { return index.cache().contains(user_.id); }, 30s));
    EXPECT_TRUE(loop_.run(memories.recall(user_.id, kQuestion, 5, kThreshold)).empty());
    EXPECT_EQ(index.counters().from_cache, 1u) << "c answers from its matrix";

    const auto added = loop_.run(a_->memories.add(
        {user_.id, "I'm training for the Berlin marathon in September", {}, {}, 0.5}));
    EXPECT_EQ(loop_.run(memories.recall(user_.id, kQuestion, 5, kThreshold)).size(), 1u);
    ASSERT_TRUE(testing::eventually([&] { return index.cache().contains(user_.id); }, 30s));
    EXPECT_EQ(loop_.run(memories.recall(user_.id, kQuestion, 5, kThreshold)).size(), 1u);
    EXPECT_TRUE(loop_.run(a_->memories.remove(user_.id, added.id)));
    EXPECT_TRUE(loop_.run(memories.recall(user_.id, kQuestion, 5, kThreshold)).empty());
    EXPECT_GE(index.counters().from_cache, 2u);
}

}  // namespace
}  // namespace companion::memory
