#include "companion/prompt.hpp"

#include <gtest/gtest.h>

#include "companion/chat_service.hpp"

namespace companion::chat {
namespace {

store::Message message(store::MessageRole role, std::string content,
                       store::MessageStatus status = store::MessageStatus::complete) {
    store::Message m;
    m.role = role;
    m.content = std::move(content);
    m.status = status;
    return m;
}

store::Message user(std::string content) { return message(store::MessageRole::user, std::move(content)); }
store::Message assistant(std::string content,
                         store::MessageStatus status = store::MessageStatus::complete) {
    return message(store::MessageRole::assistant, std::move(content), status);
}

const Persona kPersona{"Ava", "You are Ava."};

PromptInput input_of(std::vector<store::Message> window) {
    PromptInput input;
    input.persona = &kPersona;
    input.now = store::Timestamp(std::chrono::seconds(1795667519));  // 2026-11-26
    input.window = std::move(window);
    return input;
}

std::vector<std::string> contents(const Prompt& prompt) {
    std::vector<std::string> out;
    for (const auto& m : prompt.messages) out.push_back(m.role + ": " + m.content);
    return out;
}

TEST(Prompt, EstimatesAQuarterOfTheCodePointsRoundedUp) {
    EXPECT_EQ(estimate_tokens(""), 0);
    EXPECT_EQ(estimate_tokens("abcd"), 1);
    EXPECT_EQ(estimate_tokens("abcde"), 2);
    EXPECT_EQ(estimate_tokens("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"), 1) << "code points, not bytes";
}

TEST(Prompt, PersonaAndDateFirstThenTheWindowOldestFirstEndingWithTheNewMessage) {
    const auto prompt = build_prompt(
        input_of({user("hi"), assistant("hello!"), user("how are you?")}), 10000);
    ASSERT_EQ(prompt.messages.size(), 4u);
    EXPECT_EQ(prompt.messages[0].role, "system");
    EXPECT_EQ(prompt.messages[0].content, "You are Ava.\n\nToday is 2026-11-26 (UTC).");
    EXPECT_EQ(contents(prompt), (std::vector<std::string>{
                                    "system: You are Ava.\n\nToday is 2026-11-26 (UTC).",
                                    "user: hi", "assistant: hello!", "user: how are you?"}));
    EXPECT_EQ(prompt.trimmed_messages, 0);
}

TEST(Prompt, ContextParagraphsFollowThePersona) {
    auto input = input_of({user("hi")});
    input.context = {"What you remember: tea.", "", "Their mood: calm."};
    const auto prompt = build_prompt(input, 10000);
    EXPECT_EQ(prompt.messages[0].content,
              "You are Ava.\n\nToday is 2026-11-26 (UTC).\n\nWhat you remember: tea.\n\nTheir "
              "mood: calm.");
}

TEST(Prompt, BrokenRepliesAndEmptyMessagesAreLeftOut) {
    const auto prompt = build_prompt(
        input_of({user("one"), assistant("half an ans", store::MessageStatus::interrupted),
                  assistant("", store::MessageStatus::complete),
                  assistant("failed", store::MessageStatus::failed), user("two")}),
        10000);
    EXPECT_EQ(contents(prompt).size(), 3u);
    EXPECT_EQ(prompt.messages[1].content, "one");
    EXPECT_EQ(prompt.messages[2].content, "two");
}

TEST(Prompt, TrimsTheOldestMessagesToFitTheBudgetButNeverTheNewOne) {
    const std::string long_text(400, 'x');  // 100 tokens + 4
    std::vector<store::Message> window{user("old " + long_text), assistant("mid " + long_text),
                                       user("recent " + long_text), user("new")};
    const auto full = build_prompt(input_of(window), 100000);
    const int system_and_new = estimate_tokens(full.messages[0].content) + kTokensPerMessage +
                               estimate_tokens("new") + kTokensPerMessage;
    // Room for exactly two of the three long messages.
    const auto trimmed = build_prompt(input_of(window), system_and_new + 2 * 106);
    EXPECT_EQ(trimmed.trimmed_messages, 1);
    ASSERT_EQ(trimmed.messages.size(), 4u);
    EXPECT_EQ(trimmed.messages[1].content.substr(0, 4), "mid ");
    EXPECT_EQ(trimmed.messages[3].content, "new");
    EXPECT_LE(trimmed.estimated_tokens, system_and_new + 2 * 106);
    // A gap is never left: once a message does not fit, no older one is taken either.
    std::vector<store::Message> gap{user("tiny"), user("huge " + std::string(4000, 'y')),
                                    user("new")};
    const auto no_gap = build_prompt(input_of(gap), system_and_new + 50);
    EXPECT_EQ(no_gap.messages.size(), 2u);
    EXPECT_EQ(no_gap.trimmed_messages, 2);
}

TEST(Prompt, ThePersonaAndTheNewMessageAloneOverTheBudgetIsAnError) {
    EXPECT_THROW(build_prompt(input_of({user(std::string(4000, 'z'))}), 500), PromptTooLong);
}

TEST(Title, IsTheFirstLineCutAtSixtyCodePoints) {
    EXPECT_EQ(title_from_message("  Hello there\nsecond line"), "Hello there");
    EXPECT_EQ(title_from_message("   \n  "), "New conversation");
    const std::string long_line(70, 'a');
    EXPECT_EQ(title_from_message(long_line), std::string(60, 'a') + "\xE2\x80\xA6");
    std::string accents;
    for (int i = 0; i < 61; ++i) accents += "\xC3\xA9";
    const auto title = title_from_message(accents);
    EXPECT_EQ(title.substr(0, 120), accents.substr(0, 120));
    EXPECT_EQ(title.size(), 123u) << "60 two-byte code points and the ellipsis";
}

}  // namespace
}  // namespace companion::chat
