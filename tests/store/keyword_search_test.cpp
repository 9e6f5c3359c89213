// The words a keyword search looks for, and how its ranks become scores (store/keyword_search.hpp).
#include "store/keyword_search.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/utf8.hpp"

namespace companion::store {
namespace {

using Words = std::vector<std::string>;

TEST(KeywordTerms, AreTheDistinctContentWordsLowerCasedInOrder) {
    EXPECT_EQ(keyword_terms("How should I plan my long runs for the Marathon? marathon!"),
              (Words{"plan", "long", "runs", "marathon"}));
    EXPECT_EQ(keyword_terms("I'm Kasimir's friend"), (Words{"kasimir", "friend"}));
}

TEST(KeywordTerms, QuerySyntaxSeparatesWordsAndNeverSurvives) {
    EXPECT_EQ(keyword_terms("\"kasimir\" NEAR(cello* vienna) content:x -y & z | !w 'q' a\\b ^c"),
              (Words{"kasimir", "near", "cello", "vienna", "content", "x", "y", "z", "w", "q", "b",
                     "c"}));
    for (const auto& word : keyword_terms("\"'\\:*()&|!^{}[]-+~@#$%;,.<>=?/`")) {
        ADD_FAILURE() << "a word of punctuation: " << word;
    }
}

TEST(KeywordTerms, KeepWordsOfOtherScriptsWholeAndDropInvalidBytes) {
    // Only ASCII is lower-cased here: the backends fold the rest.
    EXPECT_EQ(keyword_terms("Zürich, 東京 und Москва"), (Words{"zürich", "東京", "und", "Москва"}));
    const auto words = keyword_terms(
        "ab\xff"
        "cd \xc3 \xe6\x9d"
        "ef 😀");
    EXPECT_EQ(words, (Words{"ab", "cd", "ef", "😀"}));
    for (const auto& word : words) EXPECT_TRUE(util::is_valid_utf8(word)) << word;
}

TEST(KeywordTerms, StopWordsAloneGiveNoWords) {
    EXPECT_TRUE(keyword_terms("").empty());
    EXPECT_TRUE(keyword_terms("What is it, and why are you there?").empty());
    EXPECT_TRUE(keyword_terms("... !!! ???").empty());
}

TEST(KeywordTerms, AreCappedInNumberAndLength) {
    std::string many;
    for (int i = 0; i < 500; ++i) many += "word" + std::to_string(i) + " ";
    const auto words = keyword_terms(many);
    ASSERT_EQ(words.size(), kMaxKeywords);
    EXPECT_EQ(words.front(), "word0");
    EXPECT_EQ(words.back(), "word" + std::to_string(kMaxKeywords - 1));
    EXPECT_EQ(keyword_terms(std::string(kMaxKeywordBytes + 1, 'x') + " short"), (Words{"short"}));
    EXPECT_EQ(keyword_terms(std::string(kMaxKeywordBytes, 'x')).size(), 1u);
}

TEST(ScaleToBest, GivesTheBestHitOneAndTheOthersTheirShare) {
    std::vector<ScoredMemory> hits(3);
    hits[0].score = 8;
    hits[1].score = 4;
    hits[2].score = 2;
    scale_to_best(hits);
    EXPECT_DOUBLE_EQ(hits[0].score, 1.0);
    EXPECT_DOUBLE_EQ(hits[1].score, 0.5);
    EXPECT_DOUBLE_EQ(hits[2].score, 0.25);

    std::vector<ScoredMemory> flat(2);
    scale_to_best(flat);
    EXPECT_EQ(flat[0].score, 0.0);
    std::vector<ScoredMemory> none;
    EXPECT_NO_THROW(scale_to_best(none));
}

}  // namespace
}  // namespace companion::store
