#include "memory/worth_remembering.hpp"

#include <gtest/gtest.h>

namespace companion::memory {
namespace {

TEST(WorthRemembering, FactsAboutThePersonAreKept) {
    for (const char* fact : {"I'm training for the Berlin marathon in September",
                             "My sister Anna lives in Toronto",
                             "I work as a nurse at the city hospital",
                             "We adopted a cat named Miso last spring",
                             "Hi! I live in Lisbon with my partner.",
                             "My favourite band is Radiohead"}) {
        EXPECT_TRUE(worth_remembering(fact, 0).has_value()) << fact;
    }
}

TEST(WorthRemembering, GreetingsThanksSmallTalkAndQuestionsAreNot) {
    for (const char* chatter : {"hi", "hello there!", "Good morning :)", "thanks, that helps",
                                "lol ok", "how are you?", "what's the weather like today?",
                                "How should I plan my long runs for the marathon?",
                                "really?!", "", "😀😀😀", "I'm sad"}) {
        EXPECT_FALSE(worth_remembering(chatter, 0).has_value()) << chatter;
    }
}

TEST(WorthRemembering, AStatementNextToAQuestionIsEnough) {
    EXPECT_TRUE(worth_remembering("Can you help? My daughter starts school in Berlin next week.", 0));
    EXPECT_FALSE(worth_remembering("Can you help me plan the Berlin trip? Thanks!", 0));
}

TEST(WorthRemembering, ImportanceGrowsWithSelfReferenceAndEmotion) {
    const auto about_others = worth_remembering("The Berlin marathon course changed this year", 0);
    const auto about_self = worth_remembering("I'm running the Berlin marathon this year", 0);
    const auto felt = worth_remembering("I'm running the Berlin marathon this year", 1);
    ASSERT_TRUE(about_others && about_self && felt);
    EXPECT_DOUBLE_EQ(*about_others, 0.5);
    EXPECT_DOUBLE_EQ(*about_self, 0.7);
    EXPECT_DOUBLE_EQ(*felt, 1.0);
    EXPECT_DOUBLE_EQ(*worth_remembering("I'm running the Berlin marathon this year", 5), 1.0);
}

}  // namespace
}  // namespace companion::memory
