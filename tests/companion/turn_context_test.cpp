#include "companion/turn_context.hpp"

#include <gtest/gtest.h>

namespace companion::chat {
namespace {

using namespace std::chrono_literals;

store::Timestamp day(int offset_days) {
    // 2026-11-26T12:00:00Z plus the offset.
    return store::Timestamp(std::chrono::seconds(1795694400)) + std::chrono::hours(24 * offset_days);
}

TEST(MemoriesParagraph, ListsEachMemoryBestFirstWithTheDateItWasLastTold) {
    EXPECT_EQ(memories_paragraph({}), "");
    memory::RecalledMemory marathon;
    marathon.memory.content = "I'm training for the Berlin marathon";
    marathon.memory.updated_at = day(0);
    memory::RecalledMemory sister;
    sister.memory.content = "My sister Anna lives in Toronto";
    sister.memory.updated_at = day(-30);
    EXPECT_EQ(memories_paragraph({marathon, sister}),
              "What they told you before (with the date they said it; bring it up when it helps, "
              "do not recite it):\n- 2026-11-26: I'm training for the Berlin marathon\n"
              "- 2026-10-27: My sister Anna lives in Toronto");
}

TEST(EmotionParagraph, NamesTheEmotionWithItsStrengthAndTheMoodsDirection) {
    emotion::EmotionReading sad;
    sad.emotion = "sadness";
    sad.intensity = 0.8;
    sad.valence = -0.7;
    EXPECT_EQ(emotion_paragraph(sad, std::nullopt), "Their last message suggests sadness (strong).");
    EXPECT_EQ(emotion_paragraph(sad, 0.2),
              "Their last message suggests sadness (strong). Their mood seems to be sinking "
              "during this conversation; respond with care.");
    EXPECT_EQ(emotion_paragraph(sad, -0.6),
              "Their last message suggests sadness (strong). Their mood has been steady during "
              "this conversation.");
    emotion::EmotionReading joy;
    joy.emotion = "joy";
    joy.intensity = 0.3;
    joy.valence = 0.5;
    EXPECT_EQ(emotion_paragraph(joy, -0.5),
              "Their last message suggests joy (slight). Their mood seems to be lifting during "
              "this conversation.");
    emotion::EmotionReading neutral;
    neutral.emotion = "neutral";
    EXPECT_EQ(emotion_paragraph(neutral, std::nullopt),
              "Their last message reads emotionally neutral.");
}

TEST(GoalsParagraph, ListsAtMostTheTenNewestActiveGoals) {
    EXPECT_EQ(goals_paragraph({}), "");
    std::vector<store::Goal> goals(12);
    for (std::size_t i = 0; i < goals.size(); ++i) {
        goals[i].title = "Goal " + std::to_string(i);
        goals[i].progress = static_cast<int>(i);
    }
    goals[0].target_date = "2027-06-30";
    const auto text = goals_paragraph(goals);
    EXPECT_EQ(text.rfind("Goals they are working on (ask about them when it fits):\n- Goal 0 (0% "
                         "done, target 2027-06-30)\n- Goal 1 (1% done)",
                         0),
              0u);
    EXPECT_NE(text.find("Goal 9"), std::string::npos);
    EXPECT_EQ(text.find("Goal 10"), std::string::npos);
}

}  // namespace
}  // namespace companion::chat
