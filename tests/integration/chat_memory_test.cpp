// What a chat turn remembers and recalls, against the real binary and the fake LLM, on SQLite, on
// PostgreSQL, and on PostgreSQL with Redis: facts become memories and come back (with their
// dates) in another conversation, small talk does not, each user message gets its emotion, the
// exact system prompt, and the rows a failed turn still keeps.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/auth_api.hpp"
#include "support/fake_llm.hpp"
#include "support/service.hpp"
#include "support/stores.hpp"

namespace companion::testing {
namespace {

namespace json = boost::json;

constexpr const char* kFact = "I'm training for the Berlin marathon in September";
constexpr const char* kQuestion = "How should I plan my long runs for the marathon?";

using Backend = ServiceBackend;

// YYYY-MM-DD of an RFC 3339 timestamp.
std::string date_of(const json::value& timestamp) {
    return std::string(timestamp.as_string()).substr(0, 10);
}

class ChatMemory : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        FakeLlm::Options options;
        options.behaviour_json = R"({"reply":"Good to know."})";
        fake_ = std::make_unique<FakeLlm>(options);
        database_ = std::make_unique<ServiceDatabase>(make_service_database(GetParam().store));
        Env env = database_->env;
        env["LM_STUDIO_BASE_URL"] = fake_->base_url();
        env["LLM_MAX_RETRIES"] = "0";
        env["LLM_BREAKER_FAILURES"] = "0";
        env["COMPANION_PERSONA"] = "You are Ava.";
        if (GetParam().redis) {
            env["REDIS_ENABLED"] = "true";
            env["REDIS_URL"] = test_redis_url();
        }
        env_ = env;
        service_ = std::make_unique<Service>(env);
        api_ = std::make_unique<AuthApi>(service_->port());
        token_ = api_->token_for("rememberer");
        ASSERT_FALSE(token_.empty());
    }

    // Restarts the service with `extra` settings added.
    void restart(const Env& extra) {
        for (const auto& [name, value] : extra) env_[name] = value;
        api_.reset();
        service_.reset();
        service_ = std::make_unique<Service>(env_);
        api_ = std::make_unique<AuthApi>(service_->port());
        token_ = api_->token_for("rememberer");  // registered already: a login
    }

    json::object chat(const json::object& body, const std::string& token = {}) {
        const auto response = api_->post("/api/v1/chat", body, token.empty() ? token_ : token);
        EXPECT_EQ(response.status, 200u) << response.body;
        return json_of(response);
    }

    json::object exported(const std::string& token = {}) {
        const auto response = api_->get("/api/v1/users/me/export", token.empty() ? token_ : token);
        EXPECT_EQ(response.status, 200u) << response.body;
        return json_of(response);
    }

    std::string last_system_prompt() {
        const auto requests = fake_->chat_requests();
        EXPECT_FALSE(requests.empty());
        if (requests.empty()) return {};
        const auto request = requests.back();
        return std::string(request.at("body").at("messages").at(0).at("content").as_string());
    }

    std::unique_ptr<FakeLlm> fake_;
    std::unique_ptr<ServiceDatabase> database_;
    Env env_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<AuthApi> api_;
    std::string token_;
};

TEST_P(ChatMemory, AFactToldInOneConversationIsRecalledWithItsDateInTheNextOne) {
    const auto told = chat({{"message", kFact}});
    EXPECT_TRUE(told.at("memories_used").as_array().empty());
    const auto memories = exported().at("memories").as_array();
    ASSERT_EQ(memories.size(), 1u);
    EXPECT_EQ(memories[0].at("content").as_string(), kFact);
    EXPECT_EQ(memories[0].at("source_message_id").as_string(), told.at("user_message_id").as_string());
    EXPECT_EQ(memories[0].at("conversation_id").as_string(), told.at("conversation_id").as_string());

    const auto asked = chat({{"message", kQuestion}});
    EXPECT_NE(asked.at("conversation_id"), told.at("conversation_id"));
    const auto& used = asked.at("memories_used").as_array();
    ASSERT_EQ(used.size(), 1u) << json::serialize(asked);
    EXPECT_EQ(used[0].at("id"), memories[0].at("id"));
    EXPECT_EQ(used[0].at("content").as_string(), kFact);
    EXPECT_GE(used[0].at("similarity").as_double(), 0.2);
    EXPECT_GE(used[0].at("score").as_double(), used[0].at("similarity").as_double());

    const auto today = date_of(memories[0].at("created_at"));
    const auto& emotion = asked.at("emotion").as_object();
    const std::string expected =
        "You are Ava.\n\nToday is " + today + " (UTC).\n\n"
        "What they told you before (with the date they said it; bring it up when it helps, do "
        "not recite it):\n- " + today + ": " + kFact + "\n\n" +
        (emotion.at("emotion").as_string() == "neutral"
             ? std::string("Their last message reads emotionally neutral.")
             : "Their last message suggests " + std::string(emotion.at("emotion").as_string()));
    const auto system = last_system_prompt();
    EXPECT_EQ(system.substr(0, expected.size()), expected) << system;

    // The recall is marked on the memory; the question itself is not remembered.
    const auto after = exported().at("memories").as_array();
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0].at("access_count").as_int64(), 1);
    EXPECT_FALSE(after[0].at("last_accessed_at").is_null());
}

TEST_P(ChatMemory, SmallTalkRecallsNothingAndIsNotRemembered) {
    chat({{"message", kFact}});
    for (const char* small_talk : {"hi there!", "Good morning :)", "thanks, that helps", "lol ok",
                                   "what's the weather like today?"}) {
        const auto answer = chat({{"message", small_talk}});
        EXPECT_TRUE(answer.at("memories_used").as_array().empty()) << small_talk;
        EXPECT_EQ(last_system_prompt().find("What they told you before"), std::string::npos)
            << small_talk;
    }
    EXPECT_EQ(exported().at("memories").as_array().size(), 1u);
}

TEST_P(ChatMemory, TheSameFactToldAgainRefreshesItsMemoryInsteadOfAddingOne) {
    chat({{"message", kFact}});
    const auto first = exported().at("memories").as_array();
    ASSERT_EQ(first.size(), 1u);
    chat({{"message", kFact}});
    const auto second = exported().at("memories").as_array();
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].at("id"), first[0].at("id"));
    EXPECT_GT(second[0].at("updated_at").as_string(), first[0].at("updated_at").as_string());
}

TEST_P(ChatMemory, EveryUserMessageGetsItsEmotionStoredAndShownInTheAnswerAndTheStream) {
    const auto happy = chat({{"message", "I'm so happy today, I got the job!"}});
    EXPECT_EQ(happy.at("emotion").at("emotion").as_string(), "joy");
    EXPECT_GT(happy.at("emotion").at("valence").as_double(), 0);

    const auto stream = api_->post("/api/v1/chat",
                                   {{"message", "I'm really scared about the surgery tomorrow"},
                                    {"conversation_id", happy.at("conversation_id")},
                                    {"stream", true}},
                                   token_);
    ASSERT_EQ(stream.status, 200u);
    const auto meta_at = stream.body.find("event: meta\ndata: ");
    ASSERT_NE(meta_at, std::string::npos) << stream.body;
    const auto data_at = meta_at + std::string("event: meta\ndata: ").size();
    const auto meta =
        json::parse(stream.body.substr(data_at, stream.body.find('\n', data_at) - data_at));
    EXPECT_EQ(meta.at("emotion").at("emotion").as_string(), "fear");
    EXPECT_TRUE(meta.at("memories_used").is_array());
    const std::string scared_id(meta.at("user_message_id").as_string());

    const auto emotions = exported().at("emotions").as_array();
    ASSERT_EQ(emotions.size(), 2u);
    EXPECT_EQ(emotions[0].at("message_id"), happy.at("user_message_id"));
    EXPECT_EQ(emotions[0].at("emotion").as_string(), "joy");
    EXPECT_EQ(emotions[0].at("conversation_id"), happy.at("conversation_id"));
    EXPECT_EQ(emotions[1].at("message_id").as_string(), scared_id);
    EXPECT_EQ(emotions[1].at("emotion").as_string(), "fear");
}

TEST_P(ChatMemory, ThePromptTellsHowTheMoodMovesDuringTheConversation) {
    const auto first = chat({{"message", "I feel miserable and lonely today"}});
    const auto conversation = first.at("conversation_id");
    chat({{"message", "Everything went wrong, I'm so sad"}, {"conversation_id", conversation}});
    chat({{"message", "Wow, my best friend just surprised me with a visit, I'm so happy!"},
          {"conversation_id", conversation}});
    const auto system = last_system_prompt();
    EXPECT_NE(system.find("Their mood seems to be lifting during this conversation."),
              std::string::npos)
        << system;
}

TEST_P(ChatMemory, MemoriesNeverCrossUsers) {
    chat({{"message", kFact}});
    const auto other = api_->token_for("someone_else");
    const auto asked = chat({{"message", kQuestion}}, other);
    EXPECT_TRUE(asked.at("memories_used").as_array().empty());
    EXPECT_EQ(last_system_prompt().find("Berlin"), std::string::npos);
    EXPECT_TRUE(exported(other).at("memories").as_array().empty());
}

TEST_P(ChatMemory, AFailedLlmStillKeepsTheMessagesMemoryAndEmotion) {
    fake_->configure(R"({"status":500,"error_message":"model crashed"})");
    const auto failed = api_->post("/api/v1/chat", {{"message", kFact}}, token_);
    ASSERT_EQ(failed.status, 502u) << failed.body;
    const auto data = exported();
    ASSERT_EQ(data.at("memories").as_array().size(), 1u);
    EXPECT_EQ(data.at("memories").as_array()[0].at("content").as_string(), kFact);
    ASSERT_EQ(data.at("emotions").as_array().size(), 1u);
    EXPECT_EQ(data.at("emotions").as_array()[0].at("message_id"),
              json_of(failed).at("error").at("user_message_id"));
}

TEST_P(ChatMemory, RecallsAreCountedAndTimedInTheMetrics) {
    chat({{"message", kFact}});
    chat({{"message", kQuestion}});
    const auto metrics = api_->client().request("GET", "/metrics", {}, "");
    ASSERT_EQ(metrics.status, 200u);
    EXPECT_NE(metrics.body.find("memory_retrievals_total 2"), std::string::npos) << metrics.body;
    EXPECT_NE(metrics.body.find("memory_retrieval_duration_seconds_count 2"), std::string::npos);
}

TEST_P(ChatMemory, WithGoalDetectionAStatedGoalIsSuggestedButNotCreated) {
    const auto without = chat({{"message", "I want to run a marathon by June!"}});
    EXPECT_FALSE(without.contains("suggested_goal")) << "GOAL_DETECTION is off by default";
    restart({{"GOAL_DETECTION", "true"}});
    const auto with = chat({{"message", "I want to run a marathon by June!"}});
    ASSERT_TRUE(with.contains("suggested_goal")) << json::serialize(with);
    EXPECT_EQ(with.at("suggested_goal").at("title").as_string(), "Run a marathon");
    EXPECT_EQ(std::string(with.at("suggested_goal").at("target_date").as_string()).substr(5), "06-30");
    EXPECT_FALSE(chat({{"message", "What a lovely evening"}}).contains("suggested_goal"));
    EXPECT_TRUE(exported().at("goals").as_array().empty());
}

TEST_P(ChatMemory, WithTheLlmEmotionProviderTheLlmsAnswerIsStoredAndAFailureFallsBack) {
    restart({{"EMOTION_PROVIDER", "llm"}});
    // The first call of the turn asks for the emotion, the second for the reply.
    fake_->configure(
        R"({"reply":"Good to know.","sequence":[{"reply":"{\"emotion\":\"trust\",\"intensity\":0.6,\"valence\":0.5,\"arousal\":0.3}"}]})");
    const auto answered = chat({{"message", "Thank you, I can always count on you"}});
    EXPECT_EQ(answered.at("emotion").at("emotion").as_string(), "trust");
    EXPECT_EQ(answered.at("emotion").at("source").as_string(), "llm");
    EXPECT_EQ(answered.at("reply").as_string(), "Good to know.");
    const auto requests = fake_->chat_requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].at("body").at("messages").at(1).at("content").as_string(),
              "Thank you, I can always count on you");

    fake_->configure(R"({"reply":"Good to know.","sequence":[{"reply":"no json here"}]})");
    const auto fallen_back = chat({{"message", "I'm so happy today, I got the job!"}});
    EXPECT_EQ(fallen_back.at("emotion").at("emotion").as_string(), "joy");
    EXPECT_EQ(fallen_back.at("emotion").at("source").as_string(), "builtin");
    const auto emotions = exported().at("emotions").as_array();
    ASSERT_EQ(emotions.size(), 2u);
    EXPECT_EQ(emotions[0].at("emotion").as_string(), "trust");
    EXPECT_DOUBLE_EQ(emotions[0].at("intensity").as_double(), 0.6);
    EXPECT_EQ(emotions[1].at("emotion").as_string(), "joy");
}

INSTANTIATE_TEST_SUITE_P(Backends, ChatMemory,
                         ::testing::Values(Backend{"sqlite", "sqlite", false},
                                           Backend{"postgresql", "postgresql", false},
                                           Backend{"postgresql_redis", "postgresql", true}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace companion::testing
