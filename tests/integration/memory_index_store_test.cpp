// The in-process memory index on the real stores (SQLite, PostgreSQL + pgvector): it answers
// exactly what the store's own search (the SQL fallback) answers, keeps users apart, stays
// coherent with writes, falls back to the store when it cannot answer, and re-embedding converts
// every memory and resumes where it stopped.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "../memory/exact_reference.hpp"
#include "memory/builtin_embedder.hpp"
#include "memory/memory_index.hpp"
#include "memory/memory_service.hpp"
#include "memory/reembed.hpp"
#include "store/store.hpp"
#include "support/async.hpp"
#include "support/stores.hpp"

namespace companion::memory {
namespace {

namespace exact = testing::exact;
using store::Memory;
using store::ScoredMemory;

const std::string kModel = "random-test-model/64";
constexpr std::size_t kDimension = 64;

// Waits, however the test ends, until the index's background loads are over: they use the
// store, which the fixture destroys after the test.
struct SettledAtExit {
    MemoryIndex& index;
    ~SettledAtExit() {
        testing::eventually([this] { return index.loads_in_flight() == 0; },
                            std::chrono::seconds(30));
    }
};

std::vector<std::string> ids_of(const std::vector<ScoredMemory>& hits) {
    std::vector<std::string> ids;
    for (const auto& hit : hits) ids.push_back(hit.memory.id);
    return ids;
}

class MemoryIndexOnStore : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override { store_ = testing::make_test_store(GetParam(), loop_); }

    template <class T>
    T run(store::Task<T> task) {
        return loop_.run(std::move(task));
    }

    store::User make_user() {
        const std::string name = "memory-user-" + std::to_string(++users_);
        return run(store_->create_user(store::NewUser{name, std::nullopt, "x", false}));
    }

    Memory insert(const store::User& user, std::vector<float> embedding, std::string model = kModel,
                  std::string content = "a memory") {
        Memory memory;
        memory.user_id = user.id;
        memory.content = std::move(content);
        memory.embedding = std::move(embedding);
        memory.embedding_model = std::move(model);
        return run(store_->insert_memory(std::move(memory)));
    }

    // A first search (the store answers it and starts loading the user), then the wait until
    // the user's matrix is cached.
    void warm(MemoryIndex& index, const std::string& user_id) {
        run(index.search(user_id, std::vector<float>(kDimension, 1.0f), 1, 2.0));
        ASSERT_TRUE(testing::eventually([&] { return index.cache().contains(user_id); },
                                        std::chrono::seconds(30)));
    }

    MatrixCacheOptions options(std::string model = kModel) {
        MatrixCacheOptions o;
        o.model = std::move(model);
        return o;
    }

    testing::TestLoop loop_{2};
    std::unique_ptr<store::Store> store_;
    int users_ = 0;
};

TEST_P(MemoryIndexOnStore, TheIndexAndTheStoresOwnSearchGiveTheSameExactAnswer) {
    std::mt19937 rng(11);
    std::vector<store::User> users = {make_user(), make_user()};
    std::map<std::string, std::vector<std::vector<float>>> anchors;
    for (const auto& user : users) {
        for (int i = 0; i < 400; ++i) {
            auto vector = exact::random_vector(rng, kDimension);
            // Clusters around a few anchors, so that thresholds and ties at k are exercised.
            if (i < 5) anchors[user.id].push_back(vector);
            if (i >= 5 && i % 3 == 0) {
                vector = exact::near(anchors[user.id][i % 5], 0.3 + 0.6 * (i % 7) / 7.0, rng);
            }
            insert(user, std::move(vector));
        }
        for (int i = 0; i < 20; ++i) insert(user, exact::random_vector(rng, kDimension), "old");
        insert(user, exact::random_vector(rng, 32));  // another dimension, same model name
    }
    MemoryIndex index(*store_, options());
    SettledAtExit settled{index};
    for (const auto& user : users) warm(index, user.id);
    for (const auto& user : users) {
        const auto rows = run(store_->load_memories(user.id));
        std::vector<std::vector<float>> queries = anchors[user.id];
        queries.push_back(exact::random_vector(rng, kDimension));
        for (const auto& query : queries) {
            for (const int k : {1, 5, 50, 1000}) {
                for (const double min_score : {-1.0, 0.0, 0.25, 0.6, 0.95}) {
                    SCOPED_TRACE(::testing::Message() << "k " << k << " min " << min_score);
                    const auto from_index = run(index.search(user.id, query, k, min_score));
                    const auto from_store =
                        run(store_->search_memories(user.id, query, kModel, min_score, k));
                    exact::expect_exact(from_index, rows, kModel, query,
                                        static_cast<std::size_t>(k), min_score);
                    exact::expect_exact(from_store, rows, kModel, query,
                                        static_cast<std::size_t>(k), min_score);
                    // Place by place the same scores; rows with (near-)equal scores may
                    // come in either order, so the rows themselves are compared by id.
                    ASSERT_EQ(from_index.size(), from_store.size());
                    std::map<std::string, Memory> stored;
                    for (const auto& hit : from_store) stored[hit.memory.id] = hit.memory;
                    for (std::size_t i = 0; i < from_index.size(); ++i) {
                        EXPECT_NEAR(from_index[i].score, from_store[i].score,
                                    exact::kScoreTolerance);
                        EXPECT_TRUE(from_index[i].memory.embedding.empty());
                        const auto same = stored.find(from_index[i].memory.id);
                        if (same == stored.end()) continue;  // a tie at the k-th place
                        EXPECT_EQ(from_index[i].memory.content, same->second.content);
                        EXPECT_EQ(from_index[i].memory.created_at, same->second.created_at);
                        EXPECT_EQ(from_index[i].memory.user_id, same->second.user_id);
                    }
                }
            }
        }
    }
    const auto counters = index.counters();
    EXPECT_EQ(counters.loads, 2u);       // each user loaded once, then answered from memory
    EXPECT_EQ(counters.from_store, 2u);  // the first searches, while the loads began
    EXPECT_GT(counters.from_cache, 100u);
    EXPECT_EQ(index.cache().stats().rows, 800u);
}

TEST_P(MemoryIndexOnStore, NeitherTheIndexNorTheStoreReturnsAnotherUsersMemory) {
    std::mt19937 rng(12);
    const auto alice = make_user();
    const auto bob = make_user();
    std::vector<std::vector<float>> bobs;
    for (int i = 0; i < 50; ++i) {
        insert(alice, exact::random_vector(rng, kDimension), kModel, "alice's");
        bobs.push_back(exact::random_vector(rng, kDimension));
        insert(bob, bobs.back(), kModel, "bob's");
    }
    MemoryIndex cached(*store_, options());
    SettledAtExit settled{cached};
    auto no_cache = options();
    no_cache.max_bytes = 0;
    MemoryIndex uncached(*store_, no_cache);
    for (const auto& query : bobs) {  // Bob's exact vectors, searched as Alice
        for (auto* index : {&cached, &uncached}) {
            for (const auto& hit : run(index->search(alice.id, query, 100, -1))) {
                EXPECT_EQ(hit.memory.user_id, alice.id);
                EXPECT_EQ(hit.memory.content, "alice's");
                EXPECT_LT(hit.score, 0.99);
            }
        }
    }
    EXPECT_EQ(uncached.counters().from_store, bobs.size());
    EXPECT_EQ(uncached.cache().stats().users, 0u);
}

TEST_P(MemoryIndexOnStore, WhenTheCacheCannotAnswerTheStoreDoesWithTheSameResult) {
    std::mt19937 rng(13);
    const auto user = make_user();
    for (int i = 0; i < 100; ++i) insert(user, exact::random_vector(rng, kDimension));
    const auto query = exact::random_vector(rng, kDimension);
    MemoryIndex index(*store_, options());
    SettledAtExit settled{index};
    const auto from_store = run(index.search(user.id, query, 10, 0.0));  // and starts the load
    ASSERT_TRUE(testing::eventually([&] { return index.cache().contains(user.id); },
                                    std::chrono::seconds(30)));
    const auto from_cache = run(index.search(user.id, query, 10, 0.0));
    EXPECT_EQ(ids_of(from_cache), ids_of(from_store));
    index.cache().set_trusted(false);  // e.g. the invalidation channel is down
    const auto untrusted = run(index.search(user.id, query, 10, 0.0));
    EXPECT_EQ(ids_of(untrusted), ids_of(from_store));
    EXPECT_EQ(index.counters().from_store, 2u);
    EXPECT_EQ(index.counters().from_cache, 1u);
    index.cache().set_trusted(true);
    // A query of another dimension than the cached matrix's: the store answers (nothing).
    EXPECT_TRUE(run(index.search(user.id, exact::random_vector(rng, 8), 10, -1)).empty());
    EXPECT_EQ(run(index.search(user.id, query, 0, -1)).size(), 0u);
}

TEST_P(MemoryIndexOnStore, WritesThroughTheServiceAreSeenAtOnceAndOutsideWritesAfterInvalidation) {
    const auto user = make_user();
    BuiltinEmbedder embedder;
    MatrixCacheOptions o = options(embedder.model_name());
    MemoryIndex index(*store_, o);
    SettledAtExit settled{index};
    MemoryService memories(*store_, embedder, index, nullptr);
    const double threshold = 0.2;

    run(memories.add({user.id, "My sister Anna lives in Toronto", {}, {}, 0.5}));
    EXPECT_TRUE(run(memories.recall(user.id, "How should I plan my long runs for the marathon?", 5,
                                    threshold))
                    .empty());
    // That recall started loading the user.
    ASSERT_TRUE(testing::eventually([&] { return index.cache().contains(user.id); },
                                    std::chrono::seconds(30)));

    const auto marathon = run(
        memories.add({user.id, "I'm training for the Berlin marathon in September", {}, {}, 0.8}));
    auto recalled = run(
        memories.recall(user.id, "How should I plan my long runs for the marathon?", 5, threshold));
    ASSERT_EQ(recalled.size(), 1u);
    EXPECT_EQ(recalled[0].memory.id, marathon.id);
    EXPECT_EQ(recalled[0].memory.content, "I'm training for the Berlin marathon in September");
    EXPECT_DOUBLE_EQ(recalled[0].memory.importance, 0.8);
    EXPECT_EQ(index.counters().loads, 1u);  // the write was applied in place
    EXPECT_EQ(index.counters().from_store, 1u);

    run(memories.update(user.id, marathon.id, std::string("I'm training for a triathlon"), {}));
    EXPECT_TRUE(run(memories.recall(user.id, "the marathon", 5, threshold)).empty());
    EXPECT_EQ(run(memories.recall(user.id, "triathlon training", 5, threshold)).size(), 1u);

    // Written by someone else (another replica): not seen until this replica is told.
    Memory elsewhere;
    elsewhere.user_id = user.id;
    elsewhere.content = "I adopted a cat called Miso";
    elsewhere.embedding = embedder.embed_text(elsewhere.content);
    elsewhere.embedding_model = embedder.model_name();
    run(store_->insert_memory(elsewhere));
    EXPECT_TRUE(run(memories.recall(user.id, "how is Miso the cat?", 5, threshold)).empty());
    index.cache().invalidate(user.id);
    EXPECT_EQ(run(memories.recall(user.id, "how is Miso the cat?", 5, threshold)).size(), 1u);

    EXPECT_TRUE(run(memories.remove(user.id, marathon.id)));
    EXPECT_TRUE(run(memories.recall(user.id, "triathlon training", 5, threshold)).empty());
    EXPECT_EQ(run(memories.remove_all(user.id)), 2);
    EXPECT_TRUE(run(memories.recall(user.id, "Anna in Toronto", 5, -1)).empty());
    EXPECT_TRUE(run(store_->load_memories(user.id)).empty());
}

TEST_P(MemoryIndexOnStore, RememberingANearDuplicateRefreshesItInsteadOfAddingARow) {
    const auto user = make_user();
    BuiltinEmbedder embedder;
    MemoryIndex index(*store_, options(embedder.model_name()));
    SettledAtExit settled{index};
    MemoryService memories(*store_, embedder, index, nullptr);
    const auto first =
        run(memories.remember({user.id, "My sister Anna lives in Toronto", {}, {}, 0.4}));
    EXPECT_FALSE(first.refreshed);
    const auto again =
        run(memories.remember({user.id, "my sister anna lives in toronto!", {}, {}, 0.9}));
    EXPECT_TRUE(again.refreshed);
    EXPECT_EQ(again.memory.id, first.memory.id);
    EXPECT_DOUBLE_EQ(again.memory.importance, 0.9);
    EXPECT_GT(again.memory.updated_at, first.memory.updated_at);
    const auto other =
        run(memories.remember({user.id, "My sister Anna lives in Vancouver", {}, {}, 0.5}));
    EXPECT_FALSE(other.refreshed);
    EXPECT_EQ(run(store_->load_memories(user.id)).size(), 2u);
}

TEST_P(MemoryIndexOnStore, AnEmbedderOfAnotherModelThanTheIndexIsRefused) {
    BuiltinEmbedder embedder(128);
    MemoryIndex index(*store_, options("builtin-lexical-v1/384"));
    EXPECT_THROW(MemoryService(*store_, embedder, index, nullptr), std::invalid_argument);
}

TEST_P(MemoryIndexOnStore, ReembeddingConvertsEveryMemoryAndResumesWhereItStopped) {
    std::mt19937 rng(14);
    const auto alice = make_user();
    const auto bob = make_user();
    std::vector<Memory> old;
    for (int i = 0; i < 23; ++i) {
        old.push_back(insert(i % 2 ? alice : bob, exact::random_vector(rng, 16), "old-model",
                             "fact number " + std::to_string(i) + " about running"));
    }
    BuiltinEmbedder embedder;
    const auto current = insert(alice, embedder.embed_text("already current"),
                                embedder.model_name(), "already current");
    const auto before = run(warn_if_model_changed(*store_, embedder.model_name()));
    EXPECT_EQ(before.current, 1);
    EXPECT_EQ(before.outdated(), 23);
    EXPECT_EQ(before.others, (std::map<std::string, std::int64_t>{{"old-model", 23}}));

    MemoryIndex index(*store_, options(embedder.model_name()));
    SettledAtExit settled{index};
    EXPECT_EQ(run(index.search(alice.id, embedder.embed_text("running"), 50, -1)).size(), 1u);

    // A first run stops after two batches of five (an interruption, a crash).
    ReembedOptions interrupted;
    interrupted.batch_size = 5;
    interrupted.cache = &index.cache();
    int batches = 0;
    interrupted.on_progress = [&](const ReembedProgress& progress) {
        EXPECT_EQ(progress.total, 23);
        if (++batches == 2) throw std::runtime_error("interrupted");
    };
    EXPECT_THROW(run(reembed(*store_, embedder, interrupted)), std::runtime_error);
    const auto halfway = run(take_inventory(*store_, embedder.model_name()));
    EXPECT_EQ(halfway.current, 11);
    EXPECT_EQ(halfway.outdated(), 13);

    // The next run picks only what is left.
    ReembedOptions resumed;
    resumed.batch_size = 5;
    resumed.cache = &index.cache();
    std::vector<std::int64_t> done;
    resumed.on_progress = [&](const ReembedProgress& progress) { done.push_back(progress.done); };
    const auto progress = run(reembed(*store_, embedder, resumed));
    EXPECT_EQ(progress.total, 13);
    EXPECT_EQ(progress.done, 13);
    EXPECT_EQ(progress.skipped, 0);
    EXPECT_EQ(done, (std::vector<std::int64_t>{5, 10, 13}));
    const auto after = run(take_inventory(*store_, embedder.model_name()));
    EXPECT_EQ(after.current, 24);
    EXPECT_EQ(after.outdated(), 0);
    for (const auto& memory : old) {
        const auto converted = run(store_->find_memory(memory.user_id, memory.id)).value();
        EXPECT_EQ(converted.embedding, embedder.embed_text(memory.content));
        EXPECT_EQ(converted.embedding_dimension, 384);
        EXPECT_EQ(converted.updated_at, memory.updated_at);
    }
    // The index saw the conversion: every memory of Alice is searchable now.
    EXPECT_EQ(run(index.search(alice.id, embedder.embed_text("running"), 50, -1)).size(), 12u);
    EXPECT_EQ(run(reembed(*store_, embedder, resumed)).done, 0);  // nothing left to do
}

INSTANTIATE_TEST_SUITE_P(Backends, MemoryIndexOnStore, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace companion::memory
