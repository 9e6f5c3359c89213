// /v1/chat/completions and /v1/models against the real binary and the fake LLM: the OpenAI
// shapes, conversation continuity through X-Conversation-Id, and OpenAI-style errors. The
// official npm client drives the same endpoint in tests/e2e.
#include <gtest/gtest.h>

#include <string>

#include "support/auth_api.hpp"
#include "support/fake_llm.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

namespace json = boost::json;

class OpenAiCompat : public ::testing::Test {
  protected:
    void SetUp() override {
        service_ = std::make_unique<Service>(Env{{"LM_STUDIO_BASE_URL", fake_.base_url()}});
        api_ = std::make_unique<AuthApi>(service_->port());
        token_ = api_->token_for("openai_user");
        const auto key = api_->post("/api/v1/auth/api-keys", {{"name", "sdk"}}, token_);
        key_ = json_of(key).at("key").as_string();
    }

    HttpResponse complete(const std::string& body, const Headers& extra = {}) {
        Headers headers{{"Authorization", "Bearer " + key_}, {"Content-Type", "application/json"}};
        for (const auto& [name, value] : extra) headers[name] = value;
        return api_->client().request("POST", "/v1/chat/completions", headers, body);
    }

    FakeLlm fake_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<AuthApi> api_;
    std::string token_;
    std::string key_;
};

TEST_F(OpenAiCompat, ModelsListTheCompanionForAuthenticatedCallersOnly) {
    EXPECT_EQ(api_->get("/v1/models").status, 401u);
    const auto response = api_->get("/v1/models", key_);
    ASSERT_EQ(response.status, 200u);
    const auto body = json_of(response);
    EXPECT_EQ(body.at("object").as_string(), "list");
    EXPECT_EQ(body.at("data").at(0).at("id").as_string(), "companion");
    EXPECT_EQ(body.at("data").at(0).at("object").as_string(), "model");
    EXPECT_EQ(json_of(api_->get("/v1/models/companion", key_)).at("id").as_string(), "companion");
    EXPECT_EQ(api_->get("/v1/models/gpt-4", key_).status, 404u);
}

TEST_F(OpenAiCompat, ACompletionHasTheOpenAiShapeAndNamesItsConversation) {
    const auto response = complete(
        R"({"model":"companion","messages":[{"role":"system","content":"ignored"},)"
        R"({"role":"user","content":[{"type":"text","text":"Hi, I'm Sam"}]}],"top_p":0.9})");
    ASSERT_EQ(response.status, 200u) << response.body;
    const auto body = json_of(response);
    EXPECT_EQ(body.at("object").as_string(), "chat.completion");
    EXPECT_EQ(body.at("model").as_string(), "companion");
    EXPECT_EQ(body.at("choices").at(0).at("message").at("role").as_string(), "assistant");
    EXPECT_FALSE(body.at("choices").at(0).at("message").at("content").as_string().empty());
    EXPECT_EQ(body.at("choices").at(0).at("finish_reason").as_string(), "stop");
    EXPECT_GT(body.at("usage").at("total_tokens").as_int64(), 0);
    const auto conversation = response.header("x-conversation-id");
    ASSERT_EQ(conversation.size(), 36u);

    ASSERT_EQ(complete(R"({"messages":[{"role":"user","content":"What's my name?"}]})",
                       {{"X-Conversation-Id", conversation}})
                  .status,
              200u);
    const auto requests = fake_.chat_requests();
    const auto& prompt = requests.back().at("body").at("messages").as_array();
    ASSERT_EQ(prompt.size(), 4u);
    EXPECT_EQ(prompt[0].at("role").as_string(), "system");
    EXPECT_NE(prompt[0].at("content").as_string(), "ignored");
    EXPECT_EQ(prompt[1].at("content").as_string(), "Hi, I'm Sam");
    EXPECT_EQ(prompt[3].at("content").as_string(), "What's my name?");
}

TEST_F(OpenAiCompat, AStreamUsesChunksAndEndsWithDone) {
    const auto response = complete(
        R"({"stream":true,"stream_options":{"include_usage":true},)"
        R"("messages":[{"role":"user","content":"stream it"}]})");
    ASSERT_EQ(response.status, 200u);
    EXPECT_NE(response.body.find("\"object\":\"chat.completion.chunk\""), std::string::npos);
    EXPECT_NE(response.body.find("\"finish_reason\":\"stop\""), std::string::npos);
    EXPECT_NE(response.body.find("\"usage\":{"), std::string::npos);
    EXPECT_EQ(response.body.substr(response.body.size() - 14), "data: [DONE]\n\n");
}

TEST_F(OpenAiCompat, ErrorsUseTheOpenAiShape) {
    const auto unauthorized = api_->client().request(
        "POST", "/v1/chat/completions",
        {{"Authorization", "Bearer ck_wrong"}, {"Content-Type", "application/json"}},
        R"({"messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(unauthorized.status, 401u);
    EXPECT_EQ(json_of(unauthorized).at("error").at("type").as_string(), "authentication_error");

    for (const char* body : {R"({"messages":[]})", R"({"model":"x"})",
                             R"({"messages":[{"role":"assistant","content":"hi"}]})",
                             R"({"messages":[{"role":"user","content":"hi"}],"bogus":1})",
                             R"({"messages":[{"role":"user","content":"hi"}],"stream":"yes"})",
                             R"({"messages":[{"role":"user","content":"hi"}],"temperature":5})"}) {
        const auto response = complete(body);
        EXPECT_EQ(response.status, 400u) << body;
        const auto error = json_of(response).at("error");
        EXPECT_EQ(error.at("type").as_string(), "invalid_request_error") << body;
        EXPECT_FALSE(error.at("message").as_string().empty());
        EXPECT_TRUE(error.at("param").is_null());
    }
    const auto unknown = complete(R"({"messages":[{"role":"user","content":"hi"}]})",
                                  {{"X-Conversation-Id", "01936f0e-8c4a-7b3e-9f1d-2a6c5e4b3d21"}});
    EXPECT_EQ(unknown.status, 404u);
    EXPECT_TRUE(fake_.chat_requests().empty());
}

TEST_F(OpenAiCompat, AnLlmFailureIsAServerErrorInTheOpenAiShape) {
    fake_.configure(R"({"status":400})");
    const auto response = complete(R"({"messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(response.status, 502u);
    const auto error = json_of(response).at("error");
    EXPECT_EQ(error.at("type").as_string(), "server_error");
    EXPECT_EQ(error.at("code").as_string(), "llm_error");
}

}  // namespace
}  // namespace companion::testing
