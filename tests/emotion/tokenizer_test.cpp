#include "emotion/tokenizer.hpp"

#include <gtest/gtest.h>

namespace companion::emotion {
namespace {

std::vector<std::string> texts(const std::vector<Token>& tokens) {
    std::vector<std::string> out;
    for (const Token& token : tokens) out.push_back(token.text);
    return out;
}

TEST(EmotionTokenizer, LowerCasesWordsAndKeepsInnerApostrophes) {
    EXPECT_EQ(texts(tokenize("I DON'T like It")),
              (std::vector<std::string>{"i", "don't", "like", "it"}));
    EXPECT_EQ(texts(tokenize("I can\xE2\x80\x99t wait")),
              (std::vector<std::string>{"i", "can't", "wait"}));  // ’
    EXPECT_EQ(texts(tokenize("'quoted'")), (std::vector<std::string>{"quoted"}));
}

TEST(EmotionTokenizer, MarksShoutedAndElongatedWords) {
    const auto tokens = tokenize("I HATE sooo much");
    ASSERT_EQ(tokens.size(), 4u);
    EXPECT_FALSE(tokens[0].all_caps);  // a single capital letter is not shouting
    EXPECT_TRUE(tokens[1].all_caps);
    EXPECT_TRUE(tokens[2].elongated);
    EXPECT_FALSE(tokens[3].elongated);
    EXPECT_EQ(collapse_repeats("sooo", 1), "so");
    EXPECT_EQ(collapse_repeats("happpy", 2), "happy");
    EXPECT_EQ(collapse_repeats("1000", 1), "1000");
}

TEST(EmotionTokenizer, ReadsEmoticonsInTheirCanonicalForm) {
    const auto tokens = tokenize("great :-) sad :'( ok=D xD >:(");
    EXPECT_EQ(texts(tokens),
              (std::vector<std::string>{"great", ":)", "sad", ":'(", "ok", ":D", "xD", ">:("}));
    EXPECT_EQ(tokens[1].kind, TokenKind::symbol);
}

TEST(EmotionTokenizer, DoesNotSeeEmoticonsInUrlsTimesOrWords) {
    for (const auto& token : tokenize("see http://x.org/a at 8:15 Note:Do xDrive")) {
        EXPECT_NE(token.kind, TokenKind::symbol) << token.text;
    }
}

TEST(EmotionTokenizer, ReadsEmojiWithoutPresentationAndSkinToneModifiers) {
    const auto tokens =
        tokenize("\xE2\x9D\xA4\xEF\xB8\x8F \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD");  // ❤️ 👍🏽
    EXPECT_EQ(texts(tokens), (std::vector<std::string>{"\xE2\x9D\xA4", "\xF0\x9F\x91\x8D"}));
    EXPECT_EQ(tokens[0].kind, TokenKind::symbol);
}

TEST(EmotionTokenizer, GroupsExclamationAndQuestionMarks) {
    const auto tokens = tokenize("what?! no!!! really?");
    ASSERT_EQ(tokens.size(), 6u);
    EXPECT_EQ(tokens[1].kind, TokenKind::question);
    EXPECT_EQ(tokens[1].text, "?!");
    EXPECT_EQ(tokens[3].kind, TokenKind::exclamation);
    EXPECT_EQ(tokens[3].count, 3);
    EXPECT_EQ(tokens[5].text, "?");
}

TEST(EmotionTokenizer, TurnsClausePunctuationIntoOneBreak) {
    const auto tokens = tokenize("no... fine, ok");
    EXPECT_EQ(texts(tokens), (std::vector<std::string>{"no", ".", "fine", ".", "ok"}));
    EXPECT_EQ(tokens[1].kind, TokenKind::clause_break);
}

TEST(EmotionTokenizer, SkipsInvalidUtf8Bytes) {
    EXPECT_EQ(texts(tokenize("ha\xFFppy \xC3 sad \xF0\x9F\x98")),
              (std::vector<std::string>{"ha", "ppy", "sad"}));
    EXPECT_EQ(texts(tokenize("caf\xC3\xA9")),
              (std::vector<std::string>{"caf\xC3\xA9"}));  // é stays in the word
}

}  // namespace
}  // namespace companion::emotion
