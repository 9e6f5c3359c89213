#include "memory/matrix_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "exact_reference.hpp"

namespace companion::memory {
namespace {

using namespace std::chrono_literals;
using testing::exact::expect_exact;
using testing::exact::near;
using testing::exact::random_vector;

const std::string kModel = "test-model/16";

store::Memory row(const std::string& user, const std::string& id, std::vector<float> embedding,
                  std::string model = kModel) {
    store::Memory memory;
    memory.id = id;
    memory.user_id = user;
    memory.content = "content of " + id;
    memory.embedding = std::move(embedding);
    memory.embedding_dimension = static_cast<std::int32_t>(memory.embedding.size());
    memory.embedding_model = std::move(model);
    memory.created_at = memory.updated_at = store::now();
    return memory;
}

std::string id_of(int n) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "m%06d", n);
    return buffer;
}

std::vector<store::Memory> random_rows(const std::string& user, std::size_t count,
                                       std::size_t dimension, std::mt19937& rng) {
    std::vector<store::Memory> rows;
    for (std::size_t i = 0; i < count; ++i) {
        rows.push_back(
            row(user, user + "-" + id_of(static_cast<int>(i)), random_vector(rng, dimension)));
    }
    return rows;
}

MatrixCacheOptions options(std::size_t max_bytes = std::size_t{64} << 20) {
    MatrixCacheOptions o;
    o.model = kModel;
    o.max_bytes = max_bytes;
    return o;
}

// Loads the user's rows the way MemoryIndex does.
MatrixCache::LoadOutcome load(MatrixCache& cache, const std::string& user,
                              std::vector<store::Memory> rows) {
    const auto ticket = cache.begin_load(user);
    EXPECT_TRUE(ticket) << user;
    if (!ticket) return MatrixCache::LoadOutcome::voided;
    return cache.finish_load(user, *ticket, std::move(rows));
}

std::vector<std::string> ids(const std::vector<store::ScoredMemory>& hits) {
    std::vector<std::string> out;
    for (const auto& hit : hits) out.push_back(hit.memory.id);
    return out;
}

TEST(MatrixCacheSearch, IsExactAgainstBruteForceOnRandomData) {
    for (int seed = 1; seed <= 40; ++seed) {
        std::mt19937 rng(static_cast<unsigned>(seed));
        const std::size_t dimension = seed % 4 == 0 ? 384 : 8 + static_cast<std::size_t>(seed);
        const std::size_t count = static_cast<std::size_t>(seed * 37 % 1500) + 1;
        MatrixCacheOptions o = options();
        MatrixCache cache(o);
        auto rows = random_rows("u", count, dimension, rng);
        // Some rows close to the first query, so that high thresholds keep something.
        const auto query = random_vector(rng, dimension);
        for (std::size_t i = 0; i < rows.size(); i += 7) {
            rows[i].embedding = near(query, 0.2 + 0.7 * double(i % 10) / 10.0, rng);
        }
        ASSERT_EQ(load(cache, "u", rows), MatrixCache::LoadOutcome::installed);
        for (const std::size_t k : {1u, 3u, 10u, 100u, 5000u}) {
            for (const double min_score : {-1.0, 0.0, 0.1, 0.5, 0.85, 1.01}) {
                SCOPED_TRACE(::testing::Message() << "seed " << seed << " k " << k << " min "
                                                  << min_score << " rows " << count);
                const auto hits = cache.search("u", query, k, min_score);
                ASSERT_TRUE(hits);
                expect_exact(*hits, rows, kModel, query, k, min_score);
                for (const auto& hit : *hits) {
                    EXPECT_EQ(hit.memory.user_id, "u");
                    EXPECT_EQ(hit.memory.embedding_model, kModel);
                    EXPECT_TRUE(hit.memory.embedding.empty());
                }
            }
        }
    }
}

TEST(MatrixCacheSearch, HalfPrecisionScreeningGivesExactlyTheFloatScansAnswer) {
    for (int seed = 1; seed <= 20; ++seed) {
        std::mt19937 rng(static_cast<unsigned>(seed));
        const std::size_t dimension = seed % 2 ? 384 : 48;
        auto rows = random_rows("u", 2000, dimension, rng);
        const auto query = random_vector(rng, dimension);
        // Many scores within a hair of each other: a grid of similarity levels, and copies.
        for (std::size_t i = 0; i < rows.size(); i += 3) {
            rows[i].embedding = near(query, 0.05 * double(i % 20), rng);
        }
        for (std::size_t i = 1; i < rows.size(); i += 50) rows[i].embedding = rows[i - 1].embedding;
        MatrixCacheOptions screened_options = options();
        MatrixCacheOptions float_options = options();
        float_options.half_precision_screening = false;
        MatrixCache screened(screened_options);
        MatrixCache scanned(float_options);
        ASSERT_EQ(load(screened, "u", rows), MatrixCache::LoadOutcome::installed);
        ASSERT_EQ(load(scanned, "u", rows), MatrixCache::LoadOutcome::installed);
        for (const std::size_t k : {1u, 5u, 40u, 3000u}) {
            for (const double min_score : {-1.0, 0.2, 0.45, 0.5, 0.9}) {
                SCOPED_TRACE(::testing::Message()
                             << "seed " << seed << " k " << k << " min " << min_score);
                const auto a = *screened.search("u", query, k, min_score);
                const auto b = *scanned.search("u", query, k, min_score);
                ASSERT_EQ(ids(a), ids(b));
                for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].score, b[i].score);
            }
        }
    }
}

TEST(MatrixCacheSearch, EqualScoresAreOrderedById) {
    MatrixCache cache(options());
    const std::vector<float> v = {1, 2, 3, 4};
    std::vector<store::Memory> rows;
    for (const char* id : {"d", "b", "e", "a", "c"}) rows.push_back(row("u", id, v));
    rows.push_back(row("u", "z", {-1, -2, -3, -4}));
    ASSERT_EQ(load(cache, "u", rows), MatrixCache::LoadOutcome::installed);
    EXPECT_EQ(ids(*cache.search("u", v, 3, 0.5)), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(ids(*cache.search("u", v, 10, 0.5)),
              (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST(MatrixCacheSearch, QueriesAreNormalisedAndScoresAreCosines) {
    MatrixCache cache(options());
    ASSERT_EQ(load(cache, "u", {row("u", "x", {3, 4}), row("u", "y", {0, 10})}),
              MatrixCache::LoadOutcome::installed);
    const auto hits = cache.search("u", std::vector<float>{0, 0.001f}, 2, -1);
    ASSERT_EQ(hits->size(), 2u);
    EXPECT_EQ(hits->at(0).memory.id, "y");
    EXPECT_NEAR(hits->at(0).score, 1.0, 1e-6);
    EXPECT_NEAR(hits->at(1).score, 0.8, 1e-6);
    EXPECT_TRUE(cache.search("u", std::vector<float>{0, 0}, 2, -1)->empty());  // no direction
    EXPECT_TRUE(cache.search("u", std::vector<float>{0, 1}, 0, -1)->empty());
}

TEST(MatrixCacheSearch, OnlyRowsOfTheModelAndTheDimensionAreSearchable) {
    MatrixCache cache(options());
    ASSERT_EQ(load(cache, "u",
                   {row("u", "kept", {1, 0, 0}), row("u", "old-model", {1, 0, 0}, "other-model"),
                    row("u", "other-dimension", {1, 0}), row("u", "zero", {0, 0, 0})}),
              MatrixCache::LoadOutcome::installed);
    EXPECT_EQ(ids(*cache.search("u", std::vector<float>{1, 0, 0}, 10, -1)),
              (std::vector<std::string>{"kept"}));
    EXPECT_EQ(cache.rows("u"), 1u);
    // A query of another dimension cannot be answered here: the store does it.
    EXPECT_FALSE(cache.search("u", std::vector<float>{1, 0}, 10, -1));
}

TEST(MatrixCacheIsolation, ASearchNeverReturnsAnotherUsersMemory) {
    std::mt19937 rng(3);
    MatrixCache cache(options());
    std::map<std::string, std::vector<store::Memory>> rows;
    for (const char* user : {"alice", "bob", "carol"}) {
        rows[user] = random_rows(user, 200, 16, rng);
        ASSERT_EQ(load(cache, user, rows[user]), MatrixCache::LoadOutcome::installed);
    }
    for (const auto& [user, own] : rows) {
        for (const auto& [other, theirs] : rows) {
            // Even with another user's exact vectors as queries.
            for (std::size_t i = 0; i < 20; ++i) {
                const auto hits = cache.search(user, theirs[i].embedding, 50, -1);
                ASSERT_TRUE(hits);
                for (const auto& hit : *hits) {
                    EXPECT_EQ(hit.memory.id.rfind(user + "-", 0), 0u) << hit.memory.id;
                    EXPECT_EQ(hit.memory.user_id, user);
                }
            }
        }
    }
    EXPECT_FALSE(cache.search("dave", rows["alice"][0].embedding, 5, -1));
}

TEST(MatrixCacheBudget, LeastRecentlyUsedUsersAreEvictedWithinTheByteBound) {
    std::mt19937 rng(5);
    auto a = random_rows("a", 1000, 64, rng);
    auto b = random_rows("b", 1000, 64, rng);
    auto c = random_rows("c", 1000, 64, rng);
    // Room for two users of 1000 x 64 floats (256 KB of vectors each) and their metadata.
    MatrixCache probe(options());
    ASSERT_EQ(load(probe, "a", a), MatrixCache::LoadOutcome::installed);
    const std::size_t one_user = probe.stats().bytes;
    EXPECT_GE(one_user, 1000u * 64u * sizeof(float));
    MatrixCache cache(options(one_user * 5 / 2));

    ASSERT_EQ(load(cache, "a", a), MatrixCache::LoadOutcome::installed);
    ASSERT_EQ(load(cache, "b", b), MatrixCache::LoadOutcome::installed);
    ASSERT_TRUE(cache.search("a", a[0].embedding, 1, -1));  // a is now the most recent
    ASSERT_EQ(load(cache, "c", c), MatrixCache::LoadOutcome::installed);
    EXPECT_TRUE(cache.contains("a"));
    EXPECT_FALSE(cache.contains("b"));
    EXPECT_TRUE(cache.contains("c"));
    const auto stats = cache.stats();
    EXPECT_EQ(stats.users, 2u);
    EXPECT_EQ(stats.rows, 2000u);
    EXPECT_EQ(stats.evictions, 1u);
    EXPECT_LE(stats.bytes, one_user * 5 / 2);
    EXPECT_FALSE(cache.search("b", b[0].embedding, 1, -1));
}

TEST(MatrixCacheBudget, GrowthByInsertsEvictsOthersAndNeverExceedsTheBound) {
    std::mt19937 rng(6);
    MatrixCache probe(options());
    ASSERT_EQ(load(probe, "a", random_rows("a", 500, 32, rng)),
              MatrixCache::LoadOutcome::installed);
    const std::size_t budget = probe.stats().bytes * 3;
    MatrixCache cache(options(budget));
    ASSERT_EQ(load(cache, "a", random_rows("a", 500, 32, rng)),
              MatrixCache::LoadOutcome::installed);
    ASSERT_EQ(load(cache, "b", random_rows("b", 500, 32, rng)),
              MatrixCache::LoadOutcome::installed);
    // a grows: first b (least recently used) makes room, then a alone outgrows the budget and
    // is left to the store; the bound holds after every insert.
    int b_evicted_at = -1;
    int a_dropped_at = -1;
    for (int i = 0; i < 5000 && a_dropped_at < 0; ++i) {
        cache.on_insert(row("a", "new-" + id_of(i), random_vector(rng, 32)));
        ASSERT_LE(cache.stats().bytes, budget) << i;
        if (b_evicted_at < 0 && !cache.contains("b")) b_evicted_at = i;
        if (!cache.contains("a")) a_dropped_at = i;
    }
    ASSERT_GE(b_evicted_at, 0);
    ASSERT_GT(a_dropped_at, b_evicted_at);
    EXPECT_FALSE(cache.begin_load("a"));
    EXPECT_EQ(cache.stats().bytes, 0u);
    EXPECT_EQ(cache.stats().evictions, 2u);
}

TEST(MatrixCacheBudget, AUserLargerThanTheWholeBudgetIsLeftToTheStore) {
    std::mt19937 rng(8);
    std::chrono::steady_clock::time_point now{};
    MatrixCacheOptions o = options(10000);
    o.max_age = 60s;
    MatrixCache cache(o, [&] { return now; });
    EXPECT_EQ(load(cache, "big", random_rows("big", 200, 32, rng)),
              MatrixCache::LoadOutcome::too_big);
    EXPECT_FALSE(cache.contains("big"));
    EXPECT_FALSE(cache.begin_load("big"));  // not retried at every search
    now += 61s;
    EXPECT_TRUE(cache.begin_load("big"));
    EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(MatrixCacheBudget, ZeroBytesMeansNothingIsEverCached) {
    MatrixCache cache(options(0));
    EXPECT_FALSE(cache.begin_load("u"));
    EXPECT_FALSE(cache.search("u", std::vector<float>{1}, 1, -1));
}

class MatrixCacheCoherence : public ::testing::Test {
  protected:
    void SetUp() override {
        rows_ = {row("u", "a", {1, 0, 0}), row("u", "b", {0, 1, 0}), row("u", "c", {0, 0, 1})};
        ASSERT_EQ(load(cache_, "u", rows_), MatrixCache::LoadOutcome::installed);
    }
    std::vector<std::string> top(std::vector<float> query, double min_score = 0.5) {
        const auto hits = cache_.search("u", query, 10, min_score);
        EXPECT_TRUE(hits);
        return hits ? ids(*hits) : std::vector<std::string>{};
    }
    MatrixCache cache_{options()};
    std::vector<store::Memory> rows_;
};

TEST_F(MatrixCacheCoherence, InsertsAreSearchableAtOnce) {
    cache_.on_insert(row("u", "d", {1, 1, 0}));
    EXPECT_EQ(top({1, 0, 0}), (std::vector<std::string>{"a", "d"}));
    cache_.on_insert(row("u", "e", {1, 0, 0}, "other-model"));  // not searchable here
    cache_.on_insert(row("other", "f", {1, 0, 0}));             // not cached: nothing to do
    EXPECT_EQ(top({1, 0, 0}), (std::vector<std::string>{"a", "d"}));
    EXPECT_EQ(cache_.rows("u"), 4u);
}

TEST_F(MatrixCacheCoherence, UpdatesReplaceTheRowUnlessOlderThanIt) {
    auto moved = rows_[0];
    moved.embedding = {0, 0, 1};
    moved.content = "moved";
    moved.updated_at = rows_[0].updated_at + std::chrono::microseconds(10);
    cache_.on_update(moved);
    EXPECT_EQ(top({0, 0, 1}), (std::vector<std::string>{"a", "c"}));
    const auto hits = cache_.search("u", std::vector<float>{0, 0, 1}, 1, 0.5);
    EXPECT_EQ(hits->at(0).memory.content, "moved");

    auto stale = rows_[0];  // an update that lost a race with the one above
    stale.embedding = {0, 1, 0};
    cache_.on_update(stale);
    EXPECT_EQ(top({0, 1, 0}), (std::vector<std::string>{"b"}));

    auto reembedded = moved;  // re-embedded by another model: no longer searchable here
    reembedded.embedding_model = "other-model";
    reembedded.updated_at += std::chrono::microseconds(10);
    cache_.on_update(reembedded);
    EXPECT_EQ(top({0, 0, 1}), (std::vector<std::string>{"c"}));
    cache_.on_update(row("u", "never-inserted", {1, 0, 0}));
    EXPECT_EQ(top({1, 0, 0}), std::vector<std::string>{});
}

TEST_F(MatrixCacheCoherence, DeletesAndForgetAllAreReflected) {
    cache_.on_delete("u", "b");
    EXPECT_EQ(top({0, 1, 0}), std::vector<std::string>{});
    EXPECT_EQ(top({0, 0, 1}), (std::vector<std::string>{"c"}));
    cache_.on_delete("u", "unknown");
    EXPECT_EQ(cache_.rows("u"), 2u);
    cache_.on_delete_all("u");
    EXPECT_FALSE(cache_.search("u", std::vector<float>{0, 0, 1}, 10, 0));  // reloads next time
}

TEST_F(MatrixCacheCoherence, TouchesUpdateRecallStatistics) {
    const auto at = store::now();
    cache_.on_touch("u", {"a", "a", "zzz"}, at);
    const auto hits = cache_.search("u", std::vector<float>{1, 0, 0}, 1, 0.5);
    EXPECT_EQ(hits->at(0).memory.access_count, 2);
    EXPECT_EQ(hits->at(0).memory.last_accessed_at, at);
}

TEST_F(MatrixCacheCoherence, AnInvalidationDropsTheUserUntilReloaded) {
    cache_.invalidate("u");
    EXPECT_FALSE(cache_.contains("u"));
    EXPECT_FALSE(cache_.search("u", std::vector<float>{1, 0, 0}, 1, 0));
    auto reloaded = rows_;
    reloaded.push_back(row("u", "from-another-replica", {1, 0, 0}));
    ASSERT_EQ(load(cache_, "u", reloaded), MatrixCache::LoadOutcome::installed);
    EXPECT_EQ(top({1, 0, 0}), (std::vector<std::string>{"a", "from-another-replica"}));
}

TEST(MatrixCacheLoads, AChangeDuringALoadVoidsIt) {
    for (int change = 0; change < 5; ++change) {
        MatrixCache cache(options());
        const auto ticket = cache.begin_load("u");
        ASSERT_TRUE(ticket);
        // What the store said before the change:
        const std::vector<store::Memory> before = {row("u", "a", {1, 0})};
        switch (change) {
            case 0:
                cache.on_insert(row("u", "b", {0, 1}));
                break;
            case 1:
                cache.on_update(row("u", "a", {0, 1}));
                break;
            case 2:
                cache.on_delete("u", "a");
                break;
            case 3:
                cache.on_delete_all("u");
                break;
            case 4:
                cache.invalidate("u");
                break;
        }
        EXPECT_EQ(cache.finish_load("u", *ticket, before), MatrixCache::LoadOutcome::voided)
            << change;
        EXPECT_FALSE(cache.contains("u"));
        // The next load (after the change) is kept.
        EXPECT_EQ(load(cache, "u", {row("u", "b", {0, 1})}), MatrixCache::LoadOutcome::installed);
    }
}

TEST(MatrixCacheLoads, OneLoadPerUserAtATimeAndAFailedOneIsReleased) {
    MatrixCache cache(options());
    const auto first = cache.begin_load("u");
    ASSERT_TRUE(first);
    EXPECT_FALSE(cache.begin_load("u"));  // the second search asks the store meanwhile
    EXPECT_TRUE(cache.begin_load("v"));   // other users are not held up
    cache.abandon_load("u", *first);
    const auto second = cache.begin_load("u");
    ASSERT_TRUE(second);
    EXPECT_EQ(cache.finish_load("u", *first, {}), MatrixCache::LoadOutcome::voided);
    EXPECT_EQ(cache.finish_load("u", *second, {row("u", "a", {1})}),
              MatrixCache::LoadOutcome::installed);
    EXPECT_FALSE(cache.begin_load("u"));  // cached and fresh
}

TEST(MatrixCacheTrust, AnUntrustedCacheHoldsAndAnswersNothing) {
    MatrixCache cache(options());
    ASSERT_EQ(load(cache, "u", {row("u", "a", {1})}), MatrixCache::LoadOutcome::installed);
    const auto ticket = cache.begin_load("v");
    cache.set_trusted(false);
    EXPECT_FALSE(cache.trusted());
    EXPECT_FALSE(cache.search("u", std::vector<float>{1}, 1, 0));
    EXPECT_FALSE(cache.begin_load("u"));
    EXPECT_EQ(cache.finish_load("v", *ticket, {row("v", "b", {1})}),
              MatrixCache::LoadOutcome::voided);
    EXPECT_EQ(cache.stats().users, 0u);
    cache.set_trusted(true);  // trust back: starts empty, since changes may have been missed
    EXPECT_FALSE(cache.contains("u"));
    EXPECT_EQ(load(cache, "u", {row("u", "a", {1})}), MatrixCache::LoadOutcome::installed);
}

TEST(MatrixCacheAge, AMatrixOlderThanMaxAgeIsReloaded) {
    std::chrono::steady_clock::time_point now{};
    MatrixCacheOptions o = options();
    o.max_age = 10min;
    MatrixCache cache(o, [&] { return now; });
    ASSERT_EQ(load(cache, "u", {row("u", "a", {1})}), MatrixCache::LoadOutcome::installed);
    now += 9min;
    EXPECT_TRUE(cache.search("u", std::vector<float>{1}, 1, 0));
    now += 2min;
    EXPECT_FALSE(cache.search("u", std::vector<float>{1}, 1, 0));
    EXPECT_TRUE(cache.begin_load("u"));
}

TEST(MatrixCacheThreads, SearchesAndWritesOfManyUsersRunConcurrently) {
    MatrixCache cache(options(std::size_t{1} << 20));  // small: evictions happen too
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 rng(static_cast<unsigned>(t));
            for (int i = 0; i < 300; ++i) {
                const std::string user = "user" + std::to_string((t + i) % 8);
                if (!cache.search(user, random_vector(rng, 16), 5, -1)) {
                    if (const auto ticket = cache.begin_load(user)) {
                        cache.finish_load(user, *ticket, random_rows(user, 300, 16, rng));
                    }
                    continue;
                }
                cache.on_insert(row(user, user + "-x" + std::to_string(i), random_vector(rng, 16)));
                if (i % 7 == 0) cache.invalidate(user);
                const auto hits = cache.search(user, random_vector(rng, 16), 5, -1);
                if (!hits) continue;
                for (const auto& hit : *hits) {
                    if (hit.memory.id.rfind(user + "-", 0) != 0) ++wrong;
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_LE(cache.stats().bytes, std::size_t{1} << 20);
}

}  // namespace
}  // namespace companion::memory
