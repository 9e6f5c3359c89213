// Goal detection (GOAL_DETECTION=true) on labelled sentences: stated goals with their title and
// deadline, and the messages that must not produce a suggestion.
#include "goals/goal_detection.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace companion::goals {
namespace {

using namespace std::chrono;

system_clock::time_point noon_of(year_month_day date) {
    return sys_days(date) + hours(12);
}

// Thursday 26 November 2026.
const system_clock::time_point kNovember26 = noon_of(2026y / November / 26);
// Sunday 20 December 2026: "by January" is next year's.
const system_clock::time_point kDecember20 = noon_of(2026y / December / 20);

struct Goal {
    std::string_view message;
    std::string_view title;
    std::optional<std::string_view> date;
};

void expect_goals(const std::vector<Goal>& cases, system_clock::time_point now) {
    for (const Goal& expected : cases) {
        const auto goal = detect_goal(expected.message, now);
        ASSERT_TRUE(goal.has_value()) << "no goal found in: " << expected.message;
        EXPECT_EQ(goal->title, expected.title) << expected.message;
        EXPECT_EQ(goal->target_date, expected.date) << expected.message;
    }
}

void expect_no_goals(const std::vector<std::string_view>& messages, system_clock::time_point now) {
    for (std::string_view message : messages) {
        const auto goal = detect_goal(message, now);
        EXPECT_FALSE(goal.has_value()) << "goal '" << goal->title << "' found in: " << message;
    }
}

TEST(GoalDetection, EachIntentionPhraseIntroducesAGoal) {
    expect_goals(
        {
            {"I want to run a marathon by June!", "Run a marathon", "2027-06-30"},
            {"I'd like to learn Spanish by June 15.", "Learn Spanish", "2027-06-15"},
            {"I would like to read 20 books by 15 June", "Read 20 books", "2027-06-15"},
            {"I'm going to quit smoking before the end of the year.", "Quit smoking", "2026-12-31"},
            {"I am going to write a novel by next month", "Write a novel", "2026-12-31"},
            {"I plan to save $5,000 within 3 months.", "Save $5,000", "2027-02-26"},
            {"I'm planning to finish my thesis in two weeks", "Finish my thesis", "2026-12-10"},
            {"My goal is to run a half marathon by 2027.", "Run a half marathon", "2027-12-31"},
            {"I hope to visit Japan by summer", "Visit Japan", "2027-08-31"},
            {"I'm determined to lose 10 pounds by the end of the year", "Lose 10 pounds",
             "2026-12-31"},
            {"This year I will read 30 books.", "Read 30 books", "2026-12-31"},
            {"I wanna learn guitar by next summer", "Learn guitar", "2027-08-31"},
            {"I\xE2\x80\x99m going to run a marathon by June", "Run a marathon", "2027-06-30"},
            {"I would love to learn the violin one day", "Learn the violin", std::nullopt},
            {"I'm trying to lose weight before summer", "Lose weight", "2027-05-31"},
            {"I've decided to go back to school in September.", "Go back to school", "2027-09-30"},
            {"One of my goals is to learn Japanese by next summer.", "Learn Japanese",
             "2027-08-31"},
            {"My new year's resolution is to meditate every day", "Meditate every day",
             std::nullopt},
            {"My goal this year is to get fit.", "Get fit", "2026-12-31"},
            {"In 2027 I'm going to run the Berlin marathon", "Run the Berlin marathon",
             "2027-12-31"},
        },
        kNovember26);
}

TEST(GoalDetection, TitleIsTheActivityWithoutLeadInsFillersOrTheDeadline) {
    expect_goals(
        {
            {"So, I really want to learn to play the guitar.", "Learn to play the guitar",
             std::nullopt},
            {"Honestly I want to finally learn C++ by March.", "Learn C++", "2027-03-31"},
            {"I think I want to start a podcast", "Start a podcast", std::nullopt},
            {"Guess what? I want to climb Kilimanjaro next year!", "Climb Kilimanjaro",
             "2027-12-31"},
            {"Hi! I'm Ana. I want to learn Spanish by June.", "Learn Spanish", "2027-06-30"},
            {"I want to run a marathon by June but I'm scared.", "Run a marathon", "2027-06-30"},
            {"I want to run a marathon by June and I think I can do it", "Run a marathon",
             "2027-06-30"},
            {"I want to learn to cook, because I'm tired of takeout.", "Learn to cook",
             std::nullopt},
            {"I want to run a marathon by June at the latest \xF0\x9F\x8F\x83", "Run a marathon",
             "2027-06-30"},
            {"I want to run a marathon and write a book by 2027", "Run a marathon and write a book",
             "2027-12-31"},
            {"By June, I want to run a marathon", "Run a marathon", "2027-06-30"},
            {"I want to \"finally\" learn to swim!!!", "Learn to swim", std::nullopt},
            {"I want to get better at chess by the end of the year :)", "Get better at chess",
             "2026-12-31"},
            {"i want to run a marathon by june", "Run a marathon", "2027-06-30"},
            {"I want to be able to do 10 pull-ups by March", "Be able to do 10 pull-ups",
             "2027-03-31"},
            {"I want to run a marathon by the 15th of June", "Run a marathon", "2027-06-15"},
            {"I want to lose weight in a couple of months", "Lose weight", "2027-01-26"},
            {"I want to learn the piano within a year", "Learn the piano", "2027-11-26"},
            {"I want to finish the report by the end of the week", "Finish the report",
             "2026-11-29"},
            {"I'd love to live in Spain by 2030", "Live in Spain", "2030-12-31"},
        },
        kNovember26);
}

TEST(GoalDetection, QuestionsNegationsOtherPeopleAndThePastAreNotGoals) {
    expect_no_goals(
        {
            "Do I want to run a marathon?",
            "I want to run a marathon, should I?",
            "Why would I want to run a marathon",
            "I don't want to run a marathon.",
            "I dont want to run a marathon by June",
            "I never want to see him again.",
            "I do not want to go back there.",
            "I'm not going to run a marathon this year.",
            "My sister wants to run a marathon by June.",
            "He wants to learn Spanish.",
            "I want my sister to run a marathon",
            "We want to buy a house by 2030",
            "I wanted to run a marathon last year.",
            "I was going to run a marathon but I got injured",
            "I used to want to be a doctor",
            "Sometimes I want to scream.",
            "If I want to run a marathon, I need to train.",
            "Not sure if I want to run a marathon",
        },
        kNovember26);
}

TEST(GoalDetection, VagueTinyAndConversationalWishesAreNotGoals) {
    expect_no_goals(
        {
            "I want to sleep.",
            "I want to go home",
            "I just want to sleep",
            "I want to run",
            "I want to be happy.",
            "I want to.",
            "I want to talk about my day.",
            "I want to tell you something.",
            "I'd like to ask a question.",
            "I want to know how you work.",
            "I hope to see you soon!",
            "I'd like to order a pizza",
            "I'm going to cry",
            "I'm going to make dinner",
            "I'm going to the gym.",
            "I'll call you later.",
            "I'll finish it tomorrow",
        },
        kNovember26);
}

TEST(GoalDetection, SelfHarmIsNeverSuggestedAsAGoal) {
    expect_no_goals({"I want to kill myself", "I want to die", "I just want to end it all",
                     "I'm going to hurt myself by tomorrow", "I want to disappear by June"},
                    kNovember26);
}

TEST(GoalDetection, DeadlinesNearTheYearEndRollOverToNextYear) {
    expect_goals(
        {
            {"I want to run a marathon by January", "Run a marathon", "2027-01-31"},
            {"I want to run a marathon by December", "Run a marathon", "2026-12-31"},
            {"I want to run a marathon by the end of the year", "Run a marathon", "2026-12-31"},
            {"I want to run a marathon by next month", "Run a marathon", "2027-01-31"},
            {"I want to run a marathon within 2 weeks", "Run a marathon", "2027-01-03"},
            {"I want to run a marathon in a month", "Run a marathon", "2027-01-20"},
            {"I want to run a marathon by winter", "Run a marathon", "2027-02-28"},
            {"I want to run a marathon before winter", "Run a marathon", "2027-11-30"},
            {"I want to run a marathon by December 15", "Run a marathon", "2027-12-15"},
            {"I want to run a marathon by December 20", "Run a marathon", "2026-12-20"},
            {"I want to run a marathon by next December", "Run a marathon", "2027-12-31"},
            {"I want to run a marathon by 2026", "Run a marathon", "2026-12-31"},
            {"I want to run a marathon before 2027", "Run a marathon", "2026-12-31"},
            {"I want to run a marathon by next year", "Run a marathon", "2027-12-31"},
            {"I want to run a marathon before June", "Run a marathon", "2027-05-31"},
        },
        kDecember20);
}

TEST(GoalDetection, MonthArithmeticClampsToTheEndOfShorterMonths) {
    const auto january31 = noon_of(2027y / January / 31);
    expect_goals({{"I want to learn to knit within a month", "Learn to knit", "2027-02-28"}},
                 january31);
    const auto leap_december = noon_of(2027y / December / 5);
    expect_goals({{"I want to learn to ski by winter", "Learn to ski", "2028-02-29"}},
                 leap_december);
}

TEST(GoalDetection, ImpossiblePastOrFarDatesStayInTheTitleWithoutADate) {
    expect_goals(
        {
            {"I want to run a marathon by June 31.", "Run a marathon by June 31", std::nullopt},
            {"I want to run a marathon by June 2020", "Run a marathon by June 2020", std::nullopt},
            {"I want to run a marathon by 2100", "Run a marathon by 2100", std::nullopt},
        },
        kNovember26);
}

TEST(GoalDetection, EverydayPlansNeedADeadlineOrAHorizon) {
    EXPECT_FALSE(detect_goal("I'm going to learn to code.", kNovember26));
    EXPECT_FALSE(detect_goal("I'll learn to code.", kNovember26));
    const auto planned = detect_goal("I'm going to learn to code by next summer.", kNovember26);
    ASSERT_TRUE(planned);
    EXPECT_EQ(planned->title, "Learn to code");
    const auto horizon = detect_goal("Next year I'll learn to code.", kNovember26);
    ASSERT_TRUE(horizon);
    EXPECT_EQ(horizon->target_date, "2027-12-31");
}

TEST(GoalDetection, MessagesLongerThanTheCapAreNotRead) {
    const std::string goal = "I want to run a marathon by June.";
    std::string padded = goal + " ";
    while (padded.size() + goal.size() <= kMaxGoalMessageBytes) padded += "Today was a nice day. ";
    padded.resize(kMaxGoalMessageBytes, ' ');
    EXPECT_TRUE(detect_goal(padded, kNovember26));
    padded += ' ';
    EXPECT_FALSE(detect_goal(padded, kNovember26));
}

TEST(GoalDetection, LongActivitiesAreNarrativesNotGoals) {
    EXPECT_FALSE(
        detect_goal("I want to go to the shop and buy some milk and some eggs and "
                    "flour and sugar for the cake",
                    kNovember26));
    // Twelve words are still a goal.
    const auto goal = detect_goal(
        "I want to learn to bake bread and sell it at the local farmers market", kNovember26);
    ASSERT_TRUE(goal);
    EXPECT_EQ(goal->title, "Learn to bake bread and sell it at the local farmers market");
}

TEST(GoalDetection, TheDateIsTheUtcDateOfNow) {
    // 23:30 UTC on 30 November: still November, so "by November" is today's month.
    const auto late = sys_days(2026y / November / 30) + hours(23) + minutes(30);
    const auto goal = detect_goal("I want to learn to juggle by November", late);
    ASSERT_TRUE(goal);
    EXPECT_EQ(goal->target_date, "2026-11-30");
}

}  // namespace
}  // namespace companion::goals
