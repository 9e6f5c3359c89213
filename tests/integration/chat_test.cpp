// POST /api/v1/chat against the real binary and the fake LLM server, on SQLite, on PostgreSQL,
// and on PostgreSQL with Redis (the short-term window in Redis).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/async.hpp"
#include "support/auth_api.hpp"
#include "support/fake_llm.hpp"
#include "support/service.hpp"
#include "support/stores.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* kReply = "Nice to hear from you. Tell me more about it.";

using Backend = ServiceBackend;

class Chat : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        FakeLlm::Options options;
        options.behaviour_json = std::string(R"({"reply":")") + kReply + R"("})";
        fake_ = std::make_unique<FakeLlm>(options);
    }

    // The service on this backend, talking to the fake LLM; `extra` adds or overrides settings.
    void start(Env extra = {}) {
        database_ = std::make_unique<ServiceDatabase>(make_service_database(GetParam().store));
        Env env = database_->env;
        env["LM_STUDIO_BASE_URL"] = fake_->base_url();
        env["LM_STUDIO_MODEL_NAME"] = "test-model";
        env["LLM_MAX_RETRIES"] = "0";
        if (GetParam().redis) {
            env["REDIS_ENABLED"] = "true";
            env["REDIS_URL"] = test_redis_url();
        }
        for (auto& [name, value] : extra) env[name] = value;
        service_ = std::make_unique<Service>(env);
        api_ = std::make_unique<AuthApi>(service_->port());
        token_ = api_->token_for("chatter");
        ASSERT_FALSE(token_.empty());
    }

    HttpResponse chat(const json::object& body, const std::string& token = {}) {
        return api_->post("/api/v1/chat", body, token.empty() ? token_ : token);
    }

    json::array messages_of(const std::string& conversation_id) {
        const auto response =
            api_->get("/api/v1/conversations/" + conversation_id + "/messages?limit=100", token_);
        EXPECT_EQ(response.status, 200u) << response.body;
        return json_of(response).at("messages").as_array();
    }

    // The messages of the fake's last chat request, as "role: content".
    std::vector<std::string> last_prompt() {
        const auto requests = fake_->chat_requests();
        EXPECT_FALSE(requests.empty());
        std::vector<std::string> out;
        if (requests.empty()) return out;
        for (const auto& m : requests.back().at("body").at("messages").as_array()) {
            out.push_back(std::string(m.at("role").as_string()) + ": " +
                          std::string(m.at("content").as_string()));
        }
        return out;
    }

    std::unique_ptr<FakeLlm> fake_;
    std::unique_ptr<ServiceDatabase> database_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<AuthApi> api_;
    std::string token_;
};

TEST_P(Chat, AReplyIsStoredAfterTheUserMessageWithUsageAndTheFirstMessageNamesTheConversation) {
    start();
    const auto response = chat({{"message", "I started learning the cello today"}});
    ASSERT_EQ(response.status, 200u) << response.body;
    const auto body = json_of(response);
    EXPECT_EQ(body.at("reply").as_string(), kReply);
    EXPECT_EQ(body.at("model").as_string(), "fake-model");
    EXPECT_GT(body.at("usage").at("prompt_tokens").as_int64(), 0);
    EXPECT_EQ(body.at("usage").at("estimated").as_bool(), false);
    const std::string conversation(body.at("conversation_id").as_string());
    const auto messages = messages_of(conversation);
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].at("role").as_string(), "user");
    EXPECT_EQ(messages[0].at("id").as_string(), body.at("user_message_id").as_string());
    EXPECT_EQ(messages[1].at("role").as_string(), "assistant");
    EXPECT_EQ(messages[1].at("id").as_string(), body.at("message_id").as_string());
    EXPECT_EQ(messages[1].at("status").as_string(), "complete");
    EXPECT_EQ(messages[1].at("content").as_string(), kReply);
    EXPECT_GT(messages[1].at("completion_tokens").as_int64(), 0);
    const auto detail = json_of(api_->get("/api/v1/conversations/" + conversation, token_));
    EXPECT_EQ(detail.at("title").as_string(), "I started learning the cello today");
    EXPECT_EQ(detail.at("message_count").as_int64(), 2);
}

TEST_P(Chat, TheLlmGetsThePersonaThenTheConversationOldestFirstWithTheConfiguredModel) {
    start({{"COMPANION_NAME", "Juniper"}, {"LM_STUDIO_TEMPERATURE", "0.25"},
           {"LM_STUDIO_MAX_TOKENS", "300"}});
    const auto first = json_of(chat({{"message", "My sister is visiting next week"}}));
    const std::string conversation(first.at("conversation_id").as_string());
    ASSERT_EQ(chat({{"message", "What should we cook?"}, {"conversation_id", conversation}}).status,
              200u);
    const auto prompt = last_prompt();
    ASSERT_EQ(prompt.size(), 4u);
    EXPECT_EQ(prompt[0].rfind("system: You are Juniper, a warm, attentive companion.", 0), 0u)
        << prompt[0];
    EXPECT_NE(prompt[0].find("Today is "), std::string::npos);
    EXPECT_EQ(prompt[1], "user: My sister is visiting next week");
    EXPECT_EQ(prompt[2], std::string("assistant: ") + kReply);
    EXPECT_EQ(prompt[3], "user: What should we cook?");
    const auto request = fake_->chat_requests().back().at("body");
    EXPECT_EQ(request.at("model").as_string(), "test-model");
    EXPECT_DOUBLE_EQ(request.at("temperature").to_number<double>(), 0.25);
    EXPECT_EQ(request.at("max_tokens").as_int64(), 300);
}

TEST_P(Chat, OnlyTheLastShortTermMemorySizeMessagesGoIntoThePrompt) {
    start({{"SHORT_TERM_MEMORY_SIZE", "3"}});
    const auto first = json_of(chat({{"message", "turn one"}}));
    const std::string conversation(first.at("conversation_id").as_string());
    for (const char* text : {"turn two", "turn three"}) {
        ASSERT_EQ(chat({{"message", text}, {"conversation_id", conversation}}).status, 200u);
    }
    const auto prompt = last_prompt();
    ASSERT_EQ(prompt.size(), 5u) << "system, the 3 messages before, the new one";
    EXPECT_EQ(prompt[1], std::string("assistant: ") + kReply);
    EXPECT_EQ(prompt[2], "user: turn two");
    EXPECT_EQ(prompt[3], std::string("assistant: ") + kReply);
    EXPECT_EQ(prompt[4], "user: turn three");
}

TEST_P(Chat, AStreamSendsMetaThenDeltasThenDoneAndStoresTheReply) {
    start();
    const auto response = chat({{"message", "stream please"}, {"stream", true}});
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(response.header("content-type"), "text/event-stream; charset=utf-8");
    std::vector<std::string> events;
    std::string text;
    std::string conversation;
    std::string done_id;
    std::size_t at = 0;
    while ((at = response.body.find("event: ", at)) != std::string::npos) {
        const auto name_end = response.body.find('\n', at);
        const auto name = response.body.substr(at + 7, name_end - at - 7);
        const auto data_start = response.body.find("data: ", name_end) + 6;
        const auto data = json::parse(
            response.body.substr(data_start, response.body.find('\n', data_start) - data_start));
        events.push_back(name);
        if (name == "meta") conversation = data.at("conversation_id").as_string();
        if (name == "delta") text += data.at("text").as_string();
        if (name == "done") done_id = data.at("message_id").as_string();
        at = name_end;
    }
    ASSERT_GE(events.size(), 3u);
    EXPECT_EQ(events.front(), "meta");
    EXPECT_EQ(events.back(), "done");
    EXPECT_EQ(text, kReply);
    const auto messages = messages_of(conversation);
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[1].at("id").as_string(), done_id);
    EXPECT_EQ(messages[1].at("content").as_string(), kReply);
}

TEST_P(Chat, TheAcceptHeaderAlsoAsksForAStream) {
    start();
    const auto response = api_->client().request(
        "POST", "/api/v1/chat",
        {{"Authorization", "Bearer " + token_},
         {"Content-Type", "application/json"},
         {"Accept", "text/event-stream"}},
        R"({"message":"hello"})");
    ASSERT_EQ(response.status, 200u);
    EXPECT_NE(response.body.find("event: meta"), std::string::npos);
    EXPECT_NE(response.body.find("event: done"), std::string::npos);
}

TEST_P(Chat, AClientThatLeavesMidStreamCancelsTheLlmAndThePartialReplyIsKeptAsInterrupted) {
    start();
    fake_->configure(R"({"tokens":["one ","two ","three ","four ","five ","six ","seven "],)"
                     R"("token_interval_ms":200})");
    HttpClient client(service_->port());
    const std::string body = R"({"message":"tell me a long story!","stream":true})";
    client.send_raw("POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token_ +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
    const auto seen = client.read_raw_until("event: delta", 2);
    client.close();
    const auto meta_at = seen.find("\"conversation_id\":\"") + 19;
    const auto conversation = seen.substr(meta_at, 36);
    ASSERT_TRUE(eventually(
        [&] {
            const auto messages = messages_of(conversation);
            return messages.size() == 2 &&
                   messages[1].at("status").as_string() == "interrupted";
        },
        5s));
    const auto messages = messages_of(conversation);
    const std::string partial(messages[1].at("content").as_string());
    EXPECT_EQ(partial.rfind("one two ", 0), 0u) << partial;
    EXPECT_LT(partial.size(), std::string("one two three four five six seven ").size());
    EXPECT_TRUE(eventually(
        [&] {
            return fake_->chat_requests().back().at("outcome").as_string() == "client_closed";
        },
        5s));
}

TEST_P(Chat, AnUnreachableLlmIs503AndTheUserMessageIsStillStored) {
    fake_->stop();
    start({{"LLM_BREAKER_FAILURES", "0"}});
    const auto response = chat({{"message", "are you there?"}});
    ASSERT_EQ(response.status, 503u) << response.body;
    const auto error = json_of(response).at("error");
    EXPECT_EQ(error.at("code").as_string(), "llm_unavailable");
    const std::string conversation(error.at("conversation_id").as_string());
    const auto messages = messages_of(conversation);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].at("id").as_string(), error.at("user_message_id").as_string());
    EXPECT_EQ(messages[0].at("content").as_string(), "are you there?");
}

TEST_P(Chat, ASlowLlmIs504AndAnErroringOneIs502) {
    start({{"LLM_FIRST_TOKEN_TIMEOUT_SECONDS", "0.5"},
           {"LLM_TIMEOUT_SECONDS", "1"},
           {"LLM_BREAKER_FAILURES", "0"}});
    fake_->configure(R"({"hang":true})");
    const auto slow = chat({{"message", "hello?"}});
    ASSERT_EQ(slow.status, 504u) << slow.body;
    EXPECT_EQ(error_code(slow), "llm_timeout");
    fake_->configure(R"({"status":400,"error_message":"bad request upstream"})");
    const auto failing = chat({{"message", "hello again"}});
    ASSERT_EQ(failing.status, 502u) << failing.body;
    EXPECT_EQ(error_code(failing), "llm_error");
    // A stream that fails before any text ends with an error event.
    const auto streamed = chat({{"message", "and now?"}, {"stream", true}});
    ASSERT_EQ(streamed.status, 200u);
    EXPECT_NE(streamed.body.find("event: error"), std::string::npos) << streamed.body;
    EXPECT_NE(streamed.body.find("llm_error"), std::string::npos);
    EXPECT_EQ(streamed.body.find("event: done"), std::string::npos);
}

TEST_P(Chat, AnOverlongMessageIs422AndNothingIsStored) {
    start({{"MAX_MESSAGE_LENGTH", "10"}});
    // 11 code points, 22 bytes: the limit counts code points.
    const auto response = chat({{"message", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                                            "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"}});
    ASSERT_EQ(response.status, 422u) << response.body;
    EXPECT_EQ(error_code(response), "message_too_long");
    EXPECT_EQ(chat({{"message", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                                "\xC3\xA9\xC3\xA9"}})
                  .status,
              200u);
    const auto list = json_of(api_->get("/api/v1/conversations", token_));
    EXPECT_EQ(list.at("conversations").as_array().size(), 1u);
    EXPECT_TRUE(fake_->chat_requests().size() == 1u);
}

TEST_P(Chat, BadInputIsRefusedByName) {
    start();
    EXPECT_EQ(error_code(chat({{"message", "   "}})), "invalid_field");
    EXPECT_EQ(chat({{"message", 5}}).status, 422u);
    EXPECT_EQ(chat({{"text", "hi"}}).status, 422u);
    EXPECT_EQ(chat({{"message", "hi"}, {"stream", "yes"}}).status, 422u);
    EXPECT_EQ(chat({{"message", "hi"}, {"conversation_id", "nope"}}).status, 422u);
    EXPECT_EQ(chat({{"message", "hi"}, {"extra", 1}}).status, 422u);
    EXPECT_TRUE(fake_->chat_requests().empty());
}

TEST_P(Chat, AnotherUsersConversationIs404AndGetsNoMessage) {
    start();
    const auto mine = json_of(chat({{"message", "my secret plan"}}));
    const std::string conversation(mine.at("conversation_id").as_string());
    const auto other = api_->token_for("intruder");
    const auto response = chat({{"message", "let me in"}, {"conversation_id", conversation}}, other);
    EXPECT_EQ(response.status, 404u) << response.body;
    EXPECT_EQ(messages_of(conversation).size(), 2u);
    EXPECT_EQ(api_->get("/api/v1/conversations/" + conversation, other).status, 404u);
    EXPECT_EQ(api_->get("/api/v1/conversations/" + conversation + "/messages", other).status, 404u);
}

INSTANTIATE_TEST_SUITE_P(Backends, Chat,
                         ::testing::Values(Backend{"sqlite", "sqlite", false},
                                           Backend{"postgresql", "postgresql", false},
                                           Backend{"postgresql_redis", "postgresql", true}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace companion::testing
