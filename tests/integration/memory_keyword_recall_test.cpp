// The hybrid recall of MemoryService on the real stores (docs/memory.md, "Recall"): with
// MEMORY_KEYWORD_WEIGHT > 0 the exact words of a message (a rare name) move a memory up that the
// embedding ranks lower, and a strong keyword hit a little below the cosine threshold is recalled;
// with weight 0 the recall is the pure cosine top k.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "memory/builtin_embedder.hpp"
#include "memory/memory_index.hpp"
#include "memory/memory_service.hpp"
#include "store/store.hpp"
#include "support/async.hpp"
#include "support/stores.hpp"

namespace companion::memory {
namespace {

const std::string kMessage = "Is Kasimir coming to run the marathon?";
// Shares the stems of "run" and "marathon" (the embedder's strength) but not the words.
const std::string kRunning = "I love running marathons in the rain";
// Shares one exact word, a rare name.
const std::string kKasimir = "Kasimir is my neighbour from Gdansk";

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double dot = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    return dot / std::sqrt(na * nb);
}

std::vector<std::string> contents(const std::vector<RecalledMemory>& recalled) {
    std::vector<std::string> result;
    for (const auto& entry : recalled) result.push_back(entry.memory.content);
    return result;
}

class KeywordRecall : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        store_ = testing::make_test_store(GetParam(), loop_);
        MatrixCacheOptions options;
        options.model = embedder_.model_name();
        index_ = std::make_unique<MemoryIndex>(*store_, options);
        memories_ = std::make_unique<MemoryService>(*store_, embedder_, *index_, nullptr);
        user_ = run(store_->create_user(store::NewUser{"keyword-user", std::nullopt, "x", false}));
        for (const auto& text : {kRunning, kKasimir, std::string("My sister Anna lives in Toronto"),
                                 std::string("I adopted a cat called Miso")}) {
            run(memories_->add({user_.id, text, {}, {}, 0.5}));
        }
        running_cosine_ = cosine(embedder_.embed_text(kMessage), embedder_.embed_text(kRunning));
        kasimir_cosine_ = cosine(embedder_.embed_text(kMessage), embedder_.embed_text(kKasimir));
    }
    void TearDown() override {
        // The index's background loads use the store, which goes after the test.
        testing::eventually([this] { return index_->loads_in_flight() == 0; },
                            std::chrono::seconds(30));
    }

    template <class T>
    T run(store::Task<T> task) {
        return loop_.run(std::move(task));
    }

    std::vector<RecalledMemory> recall(double keyword_weight, int k, double threshold) {
        RecallRanking ranking;
        ranking.keyword = keyword_weight;
        memories_->set_ranking(ranking);
        return run(memories_->recall(user_.id, kMessage, k, threshold));
    }

    testing::TestLoop loop_{2};
    std::unique_ptr<store::Store> store_;
    BuiltinEmbedder embedder_;
    std::unique_ptr<MemoryIndex> index_;
    std::unique_ptr<MemoryService> memories_;
    store::User user_;
    double running_cosine_ = 0;
    double kasimir_cosine_ = 0;
};

TEST_P(KeywordRecall, ARareNameMovesItsMemoryAboveOneTheEmbeddingPrefers) {
    // The scenario: both pass the default threshold, the embedding prefers the other one.
    ASSERT_GT(running_cosine_, kasimir_cosine_);
    ASSERT_GE(kasimir_cosine_, 0.2);

    const auto cosine_only = recall(0, 2, 0.2);
    EXPECT_EQ(contents(cosine_only), (std::vector<std::string>{kRunning, kKasimir}));
    EXPECT_DOUBLE_EQ(cosine_only[0].score, cosine_only[0].similarity);

    const auto hybrid = recall(0.3, 2, 0.2);
    ASSERT_EQ(contents(hybrid), (std::vector<std::string>{kKasimir, kRunning}));
    // The best keyword hit scores 1: its cosine plus the whole weight.
    EXPECT_NEAR(hybrid[0].similarity, kasimir_cosine_, 1e-5);
    EXPECT_NEAR(hybrid[0].score, kasimir_cosine_ + 0.3, 1e-5);
    EXPECT_NEAR(hybrid[1].score, running_cosine_, 1e-5);  // no keyword match: no boost
    EXPECT_TRUE(hybrid[0].memory.embedding.empty());

    // k = 1: the name wins the only place.
    EXPECT_EQ(contents(recall(0.3, 1, 0.2)), (std::vector<std::string>{kKasimir}));
    EXPECT_EQ(contents(recall(0, 1, 0.2)), (std::vector<std::string>{kRunning}));
}

TEST_P(KeywordRecall, AStrongKeywordHitBelowTheThresholdIsRecalledDownToHalfOfIt) {
    // A threshold the name's memory just misses, within half of it.
    const double threshold = kasimir_cosine_ + 0.01;
    ASSERT_LE(threshold / 2, kasimir_cosine_);
    ASSERT_GE(running_cosine_, threshold);

    EXPECT_EQ(contents(recall(0, 5, threshold)), (std::vector<std::string>{kRunning}));
    const auto hybrid = recall(0.3, 5, threshold);
    ASSERT_EQ(contents(hybrid), (std::vector<std::string>{kKasimir, kRunning}));
    EXPECT_NEAR(hybrid[0].similarity, kasimir_cosine_, 1e-5);
    EXPECT_TRUE(hybrid[0].memory.embedding.empty());

    // Beyond half the threshold a keyword match is not enough.
    const double far = 2 * kasimir_cosine_ + 0.01;
    const auto above_half = recall(0.3, 5, far);
    for (const auto& entry : above_half) EXPECT_NE(entry.memory.content, kKasimir);
}

TEST_P(KeywordRecall, TheTurnsRecallUsesTheKeywordsToo) {
    RecallRanking ranking;
    ranking.keyword = 0.3;
    memories_->set_ranking(ranking);
    const auto turn = run(memories_->recall_for_turn(user_.id, kMessage, 1, 0.2));
    EXPECT_EQ(contents(turn.memories), (std::vector<std::string>{kKasimir}));
    EXPECT_EQ(turn.embedding, embedder_.embed_text(kMessage));
    EXPECT_FALSE(turn.duplicate);
    // Another user's memory of the same name is never recalled, and theirs only finds theirs.
    const auto other =
        run(store_->create_user(store::NewUser{"someone-else", std::nullopt, "x", false}));
    run(memories_->add({other.id, "Kasimir lent me his bike for the marathon", {}, {}, 0.5}));
    for (const auto& entry : recall(0.3, 10, 0.2)) EXPECT_EQ(entry.memory.user_id, user_.id);
    EXPECT_EQ(contents(run(memories_->recall(other.id, kMessage, 10, 0.2))),
              (std::vector<std::string>{"Kasimir lent me his bike for the marathon"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, KeywordRecall, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace companion::memory
