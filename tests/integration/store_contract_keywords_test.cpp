// The storage contract of the keyword search (Store::keyword_search_memories, the keyword half of
// the hybrid recall): on both real backends (SQLite FTS5, PostgreSQL full-text search).
#include <random>

#include "support/store_contract.hpp"

namespace companion::testing::contract {
namespace {

const std::string kModel = "builtin-hash-v1";  // new_memory's model

std::vector<std::string> hit_ids(const std::vector<store::ScoredMemory>& hits) {
    std::vector<std::string> result;
    for (const auto& hit : hits) result.push_back(hit.memory.id);
    return result;
}

class KeywordSearch : public StoreContract {
  protected:
    std::vector<store::ScoredMemory> search(const User& user, std::string text, int limit = 50,
                                            std::string model = kModel) {
        return run(db().keyword_search_memories(user.id, std::move(text), std::move(model), limit));
    }

    // Memories of another user that make the searched words neither rare nor absent in the
    // whole table (SQLite's BM25 weighs a word by its rarity over every row).
    void add_background(int count = 8) {
        const auto stranger = make_user();
        const std::vector<std::string> texts = {
            "went to the bakery for bread",   "the dentist appointment moved",
            "planted tomatoes in the garden", "reading a novel about sailors",
            "kasimir is a common name here",  "the cello shop closed early",
            "rainy weekend with board games", "learning to bake sourdough"};
        for (int i = 0; i < count; ++i) {
            make_memory(stranger, texts[static_cast<std::size_t>(i) % texts.size()]);
        }
    }
};

TEST_P(KeywordSearch, FindsTheUsersMemoriesContainingAnyOfTheWordsWithTheirEmbeddings) {
    const auto user = make_user();
    add_background();
    const auto cello = make_memory(user, "Kasimir plays the cello on Sundays");
    const auto anna = make_memory(user, "My sister Anna lives in Toronto");
    const auto both = make_memory(user, "Anna and Kasimir went hiking");
    make_memory(user, "I like green tea");

    const auto hits = search(user, "Is Kasimir visiting Toronto?");
    const auto found = hit_ids(hits);
    EXPECT_EQ(std::set<std::string>(found.begin(), found.end()),
              (std::set<std::string>{cello.id, anna.id, both.id}));
    ASSERT_EQ(hits.size(), 3u);
    for (const auto& hit : hits) {
        EXPECT_GT(hit.score, 0.0);
        EXPECT_LE(hit.score, 1.0);
        const auto stored = run(db().find_memory(user.id, hit.memory.id)).value();
        EXPECT_EQ(fields(hit.memory), fields(stored));  // embedding included, bit for bit
    }
    EXPECT_DOUBLE_EQ(hits.front().score, 1.0);  // the best hit
    EXPECT_TRUE(std::is_sorted(hits.begin(), hits.end(),
                               [](const auto& a, const auto& b) { return a.score > b.score; }));

    // Case does not matter, punctuation separates words.
    EXPECT_EQ(hit_ids(search(user, "GREEN-TEA!")).size(), 1u);
    EXPECT_TRUE(search(user, "coffee").empty());
}

TEST_P(KeywordSearch, MoreMatchingWordsRankHigher) {
    const auto user = make_user();
    add_background();
    // The same length each, so that only the matching words differ.
    const auto one = make_memory(user, "kasimir tuesday morning garden");
    const auto three = make_memory(user, "kasimir cello vienna tuesday");
    const auto two = make_memory(user, "kasimir cello tuesday morning");
    make_memory(user, "nothing to see here today");

    const auto hits = search(user, "Kasimir's cello concert in Vienna");
    EXPECT_EQ(hit_ids(hits), (std::vector<std::string>{three.id, two.id, one.id}));
    ASSERT_EQ(hits.size(), 3u);
    EXPECT_DOUBLE_EQ(hits[0].score, 1.0);
    EXPECT_GT(hits[0].score, hits[1].score);
    EXPECT_GT(hits[1].score, hits[2].score);
    EXPECT_GT(hits[2].score, 0.0);

    // `limit` keeps the best.
    EXPECT_EQ(hit_ids(search(user, "Kasimir's cello concert in Vienna", 2)),
              (std::vector<std::string>{three.id, two.id}));
    EXPECT_EQ(search(user, "kasimir", 5000).size(), 3u);  // clamped to 1000, not refused
    EXPECT_TRUE(search(user, "kasimir", 0).empty());
    EXPECT_TRUE(search(user, "kasimir", -3).empty());
}

TEST_P(KeywordSearch, NeverFindsAnotherUsersMemories) {
    const auto alice = make_user();
    const auto bob = make_user();
    const auto alices = make_memory(alice, "Kasimir plays the cello");
    const auto bobs = make_memory(bob, "Kasimir plays the cello");
    EXPECT_EQ(hit_ids(search(alice, "kasimir cello")), (std::vector<std::string>{alices.id}));
    EXPECT_EQ(hit_ids(search(bob, "kasimir cello")), (std::vector<std::string>{bobs.id}));
    const auto carol = make_user();
    EXPECT_TRUE(search(carol, "kasimir cello").empty());
    for (const auto& malformed : kMalformedIds) {
        EXPECT_TRUE(run(db().keyword_search_memories(malformed, "kasimir", kModel, 10)).empty())
            << malformed;
    }
    EXPECT_TRUE(run(db().keyword_search_memories(kUnknownId, "kasimir", kModel, 10)).empty());
}

TEST_P(KeywordSearch, FindsOnlyMemoriesOfTheEmbeddingModelAskedFor) {
    const auto user = make_user();
    const auto current = make_memory(user, "Kasimir plays the cello");
    auto other = new_memory(user, "Kasimir sings in a choir", {0.5f, 0.5f});
    other.embedding_model = "text-embedding-3-small";
    other = run(db().insert_memory(other));
    EXPECT_EQ(hit_ids(search(user, "kasimir")), (std::vector<std::string>{current.id}));
    EXPECT_EQ(hit_ids(search(user, "kasimir", 10, "text-embedding-3-small")),
              (std::vector<std::string>{other.id}));
    EXPECT_TRUE(search(user, "kasimir", 10, "no-such-model").empty());
}

TEST_P(KeywordSearch, HostileTextIsSearchedAsPlainWordsAndNeverFails) {
    const auto user = make_user();
    add_background();
    const auto kasimir = make_memory(user, "Kasimir plays the cello near Zürich");
    make_memory(user, "東京 is where Olga from Москва lives");
    make_memory(user, "quotes \" and 'apostrophes' and back\\slashes and a:colon & | ! * ( )");

    std::mt19937 rng(7);
    std::string random_bytes(10000, '\0');
    for (auto& byte : random_bytes) byte = static_cast<char>(rng() & 0xff);
    std::string ten_thousand_words;
    while (ten_thousand_words.size() < 10000) ten_thousand_words += "kasimir cello ";
    const std::vector<std::string> hostile = {"\"",
                                              "*",
                                              "NEAR(",
                                              "AND",
                                              ":",
                                              "&|!",
                                              "'",
                                              "\\",
                                              "''",
                                              "\"\"",
                                              "(",
                                              ")",
                                              "^",
                                              "-",
                                              "+",
                                              "{",
                                              "}",
                                              "NOT",
                                              "OR",
                                              "AND OR NOT NEAR",
                                              "a:b",
                                              "content:",
                                              "!!!",
                                              "'&'",
                                              "'|'",
                                              "\\'",
                                              "😀",
                                              "😀🎻",
                                              "—",
                                              "。",
                                              std::string("\0", 1),
                                              "\xff\xfe\xfd",
                                              "\xc3",
                                              std::string(10000, 'x'),
                                              std::string(10000, '"'),
                                              std::string(10000, '('),
                                              random_bytes,
                                              "ẞ ǅ ﬁ İ",
                                              std::string(5000, ' ') + "\t\n\r"};
    for (const auto& text : hostile) {
        SCOPED_TRACE(::testing::PrintToString(text.substr(0, 40)));
        std::vector<store::ScoredMemory> hits;
        EXPECT_NO_THROW(hits = search(user, text));
        for (const auto& hit : hits) EXPECT_EQ(hit.memory.user_id, user.id);
    }
    // Query syntax around a word is dropped; the word is still searched for.
    for (const std::string text :
         {"kasimir\"", "\"kasimir", "kasimir*", "content:kasimir", "-kasimir", "NOT kasimir",
          "kasimir NEAR/2 cello", "NEAR(kasimir cello)", "(kasimir OR", "'kasimir' & 'cello'",
          "kasimir:*", "!kasimir", "kasimir|", "^kasimir", "{content}: kasimir", "kasimir\\",
          "\xff"
          "kasimir\xfe",
          "😀kasimir😀", "KASIMIR!!!"}) {
        SCOPED_TRACE(text);
        std::vector<store::ScoredMemory> hits;
        EXPECT_NO_THROW(hits = search(user, text));
        EXPECT_EQ(hit_ids(hits), (std::vector<std::string>{kasimir.id}));
    }
    EXPECT_EQ(hit_ids(search(user, std::string("kasimir\0cello", 13))),
              (std::vector<std::string>{kasimir.id}));
    EXPECT_EQ(hit_ids(search(user, ten_thousand_words)), (std::vector<std::string>{kasimir.id}));
    EXPECT_EQ(hit_ids(search(user, std::string(9990, '#') + " zürich")),
              (std::vector<std::string>{kasimir.id}));
    // Words of other scripts are words.
    EXPECT_EQ(search(user, "東京").size(), 1u);
    EXPECT_EQ(search(user, "Москва").size(), 1u);
}

TEST_P(KeywordSearch, TextOfStopWordsOnlyOrOfNoWordsFindsNothing) {
    const auto user = make_user();
    make_memory(user, "what is it that you are doing there and why");
    make_memory(user, "I am here, and it is what it is");
    for (const std::string text : {"", " ", "what is it, and why are you there?", "I am", "...",
                                   "it's what it is", "THE AND OF", "😀"}) {
        EXPECT_TRUE(search(user, text).empty()) << text;
    }
}

TEST_P(KeywordSearch, UpdatedAndDeletedMemoriesAreSearchedAsTheyAreNow) {
    const auto user = make_user();
    const auto memory = make_memory(user, "Kasimir plays the cello");
    const auto other = make_memory(user, "Olga plays the violin");
    ASSERT_EQ(search(user, "kasimir").size(), 1u);

    store::MemoryUpdate rewrite;
    rewrite.content = "Kasimir switched to the trombone";
    run(db().update_memory(user.id, memory.id, rewrite));
    EXPECT_TRUE(search(user, "cello").empty());
    auto hits = search(user, "trombone");
    ASSERT_EQ(hit_ids(hits), (std::vector<std::string>{memory.id}));
    EXPECT_EQ(hits[0].memory.content, "Kasimir switched to the trombone");

    // Changes that leave the text alone keep it searchable.
    store::MemoryUpdate importance_only;
    importance_only.importance = 0.1;
    run(db().update_memory(user.id, memory.id, importance_only));
    run(db().touch_memories(user.id, {memory.id}));
    hits = search(user, "trombone");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].memory.importance, 0.1);
    EXPECT_EQ(hits[0].memory.access_count, 1);

    // Re-embedding moves it to the new model.
    store::EmbeddingReplacement replacement{user.id,
                                            memory.id,
                                            "Kasimir switched to the trombone",
                                            {1.0f, 0.0f},
                                            "text-embedding-3-small"};
    EXPECT_EQ(run(db().replace_embeddings({replacement})), 1);
    EXPECT_TRUE(search(user, "trombone").empty());
    EXPECT_EQ(search(user, "trombone", 10, "text-embedding-3-small").size(), 1u);

    EXPECT_TRUE(run(db().delete_memory(user.id, memory.id)));
    EXPECT_TRUE(search(user, "trombone", 10, "text-embedding-3-small").empty());
    EXPECT_EQ(hit_ids(search(user, "violin plays")), (std::vector<std::string>{other.id}));
    EXPECT_EQ(run(db().delete_all_memories(user.id)), 1);
    EXPECT_TRUE(search(user, "violin plays").empty());

    // A deleted account takes its memories out of the index too.
    const auto leaving = make_user();
    make_memory(leaving, "Kasimir plays the cello");
    EXPECT_TRUE(run(db().delete_user(leaving.id)));
    EXPECT_TRUE(search(leaving, "kasimir").empty());
    const auto staying = make_user();
    const auto kept = make_memory(staying, "Kasimir plays the cello");
    EXPECT_EQ(hit_ids(search(staying, "kasimir cello")), (std::vector<std::string>{kept.id}));
}

INSTANTIATE_TEST_SUITE_P(Backends, KeywordSearch, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace companion::testing::contract
