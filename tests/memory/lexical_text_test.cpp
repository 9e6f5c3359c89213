#include "memory/lexical_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace companion::memory::lexical {
namespace {

std::vector<std::string> words_of(std::string_view text) {
    AnalysedText analysed;
    split_words(text, analysed);
    std::vector<std::string> words;
    for (const auto& word : analysed.words) words.emplace_back(analysed.text_of(word));
    return words;
}

std::string stem_of(std::string_view word) {
    std::string out;
    bool ascii = true;
    for (const char c : word) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    return std::string(stem(word, ascii, out));
}

TEST(SplitWords, LowerCasesAndSplitsOnPunctuationAndApostrophes) {
    EXPECT_EQ(words_of("I'm training for the Berlin-Marathon, in SEPTEMBER!"),
              (std::vector<std::string>{"i", "m", "training", "for", "the", "berlin", "marathon",
                                        "in", "september"}));
    EXPECT_EQ(words_of("  \t\n"), std::vector<std::string>{});
    EXPECT_EQ(words_of("5k in 25min"), (std::vector<std::string>{"5k", "in", "25min"}));
}

TEST(SplitWords, UnicodeLettersStayInWordsAndAreLowerCased) {
    EXPECT_EQ(words_of("Ich laufe in MÜNCHEN"),
              (std::vector<std::string>{"ich", "laufe", "in", "münchen"}));
    EXPECT_EQ(words_of("ΑΘΗΝΑ и МОСКВА"), (std::vector<std::string>{"αθηνα", "и", "москва"}));
    // Unicode punctuation separates: curly apostrophe, em dash, ellipsis, guillemets, NBSP.
    EXPECT_EQ(words_of("I\u2019m tired\u2014really\u2026 \u00abok\u00bb\u00a0fine"),
              (std::vector<std::string>{"i", "m", "tired", "really", "ok", "fine"}));
}

TEST(SplitWords, EmojiAreWordsOfTheirOwnAndInvalidBytesSeparate) {
    EXPECT_EQ(words_of("ran 10k\U0001F3C3\u200D\u2640\uFE0Ftoday"),
              (std::vector<std::string>{"ran", "10k", "\U0001F3C3", "\u2640", "today"}));
    EXPECT_EQ(words_of("bad\xff\xfe"
                       "bytes\xc3"),
              (std::vector<std::string>{"bad", "bytes"}));
}

TEST(SplitWords, CjkRunsStayWhole) {
    EXPECT_EQ(words_of("我喜欢跑步。你呢？"), (std::vector<std::string>{"我喜欢跑步", "你呢"}));
}

TEST(Stem, InflectionsOfOneWordShareAStem) {
    for (const auto& [word, expected] :
         std::vector<std::pair<std::string, std::string>>{{"runs", "run"},
                                                          {"running", "run"},
                                                          {"planned", "plan"},
                                                          {"planning", "plan"},
                                                          {"training", "train"},
                                                          {"trained", "train"},
                                                          {"hiking", "hik"},
                                                          {"hike", "hik"},
                                                          {"hikes", "hik"},
                                                          {"studies", "study"},
                                                          {"studied", "study"},
                                                          {"classes", "class"},
                                                          {"quickly", "quick"},
                                                          {"marathons", "marathon"},
                                                          {"called", "call"},
                                                          {"saving", "sav"},
                                                          {"save", "sav"},
                                                          {"divorced", "divorc"},
                                                          {"divorce", "divorc"}}) {
        EXPECT_EQ(stem_of(word), expected) << word;
    }
}

TEST(Stem, ShortWordsDigitsAndNonAsciiAreLeftAlone) {
    for (const std::string word : {"bus", "is", "gas", "see", "need", "2024s", "münchen", "this"}) {
        EXPECT_EQ(stem_of(word), word) << word;
    }
}

TEST(StopWords, FunctionWordsAndGreetingsAreStopWordsContentWordsAreNot) {
    for (const char* word : {"the", "i", "m", "don", "hello", "what", "would", "every"}) {
        EXPECT_TRUE(is_stop_word(word)) << word;
    }
    for (const char* word : {"marathon", "sister", "coffee", "berlin", "run", "day"}) {
        EXPECT_FALSE(is_stop_word(word)) << word;
    }
}

TEST(WeakWords, AreTestedOnTheStem) {
    EXPECT_TRUE(is_weak_word(stem_of("days")));
    EXPECT_TRUE(is_weak_word(stem_of("nice")));
    EXPECT_TRUE(is_weak_word(stem_of("loving")));
    EXPECT_FALSE(is_weak_word(stem_of("marathon")));
    EXPECT_FALSE(is_weak_word(stem_of("grandmother")));
}

TEST(HashWord, DependsOnEveryByteAndTheLength) {
    EXPECT_EQ(hash_word("marathon"), hash_word(std::string("marathon")));
    EXPECT_NE(hash_word("marathon"), hash_word("marathoN"));
    EXPECT_NE(hash_word("abcdefgh"), hash_word(std::string_view("abcdefgh\0", 9)));
    EXPECT_NE(hash_word(""), hash_word(std::string_view("\0", 1)));
    EXPECT_NE(hash_word("run"), hash_word("nur"));
}

}  // namespace
}  // namespace companion::memory::lexical
