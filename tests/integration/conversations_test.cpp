// /api/v1/conversations against the real binary, and two server processes taking turns in one
// conversation: the short-term window is the same whichever replica answers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "support/auth_api.hpp"
#include "support/fake_llm.hpp"
#include "support/postgres_admin.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

namespace json = boost::json;

class Conversations : public ::testing::Test {
  protected:
    void SetUp() override {
        service_ = std::make_unique<Service>(Env{{"LM_STUDIO_BASE_URL", fake_.base_url()}});
        api_ = std::make_unique<AuthApi>(service_->port());
        token_ = api_->token_for("talker");
    }

    HttpResponse patch(const std::string& target, const json::object& body) {
        return api_->client().request("PATCH", target,
                                      {{"Authorization", "Bearer " + token_},
                                       {"Content-Type", "application/json"}},
                                      json::serialize(body));
    }

    FakeLlm fake_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<AuthApi> api_;
    std::string token_;
};

TEST_F(Conversations, CreateReadRenameAndDelete) {
    const auto created = api_->post("/api/v1/conversations", {{"title", "  Trip planning "}}, token_);
    ASSERT_EQ(created.status, 201u) << created.body;
    const std::string id(json_of(created).at("id").as_string());
    EXPECT_EQ(json_of(created).at("title").as_string(), "Trip planning");
    EXPECT_EQ(json_of(created).at("message_count").as_int64(), 0);

    const auto renamed = patch("/api/v1/conversations/" + id, {{"title", "Lisbon in May"}});
    ASSERT_EQ(renamed.status, 200u) << renamed.body;
    EXPECT_EQ(json_of(renamed).at("title").as_string(), "Lisbon in May");
    EXPECT_EQ(json_of(api_->get("/api/v1/conversations/" + id, token_)).at("title").as_string(),
              "Lisbon in May");

    EXPECT_EQ(api_->del("/api/v1/conversations/" + id, token_).status, 204u);
    EXPECT_EQ(api_->get("/api/v1/conversations/" + id, token_).status, 404u);
    EXPECT_EQ(api_->del("/api/v1/conversations/" + id, token_).status, 404u);
}

TEST_F(Conversations, AnUntitledConversationIsNamedByItsFirstMessage) {
    const auto created = api_->post("/api/v1/conversations", {}, token_);
    ASSERT_EQ(created.status, 201u);
    const std::string id(json_of(created).at("id").as_string());
    EXPECT_EQ(json_of(created).at("title").as_string(), "");
    ASSERT_EQ(api_->post("/api/v1/chat", {{"message", "Books I want to read\nand why"},
                                          {"conversation_id", id}},
                         token_)
                  .status,
              200u);
    EXPECT_EQ(json_of(api_->get("/api/v1/conversations/" + id, token_)).at("title").as_string(),
              "Books I want to read");
}

TEST_F(Conversations, ListsPageByCursorMostRecentFirst) {
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        const auto created =
            api_->post("/api/v1/conversations", {{"title", "c" + std::to_string(i)}}, token_);
        ids.push_back(std::string(json_of(created).at("id").as_string()));
    }
    std::vector<std::string> seen;
    std::string target = "/api/v1/conversations?limit=2";
    for (int page = 0; page < 10; ++page) {
        const auto body = json_of(api_->get(target, token_));
        for (const auto& item : body.at("conversations").as_array()) {
            seen.push_back(std::string(item.at("id").as_string()));
        }
        if (body.at("next_cursor").is_null()) break;
        target = "/api/v1/conversations?limit=2&cursor=" +
                 std::string(body.at("next_cursor").as_string());
    }
    EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
}

TEST_F(Conversations, MessagesPageOldestFirst) {
    const auto first = json_of(api_->post("/api/v1/chat", {{"message", "one"}}, token_));
    const std::string id(first.at("conversation_id").as_string());
    ASSERT_EQ(api_->post("/api/v1/chat", {{"message", "two"}, {"conversation_id", id}}, token_)
                  .status,
              200u);
    const auto page = json_of(api_->get("/api/v1/conversations/" + id + "/messages?limit=3", token_));
    const auto& messages = page.at("messages").as_array();
    ASSERT_EQ(messages.size(), 3u);
    EXPECT_EQ(messages[0].at("content").as_string(), "one");
    EXPECT_EQ(messages[1].at("role").as_string(), "assistant");
    EXPECT_EQ(messages[2].at("content").as_string(), "two");
    const std::string cursor(page.at("next_cursor").as_string());
    const auto rest = json_of(
        api_->get("/api/v1/conversations/" + id + "/messages?limit=3&cursor=" + cursor, token_));
    EXPECT_EQ(rest.at("messages").as_array().size(), 1u);
    EXPECT_TRUE(rest.at("next_cursor").is_null());
}

TEST_F(Conversations, BadInputIsRefusedByName) {
    EXPECT_EQ(api_->post("/api/v1/conversations", {{"title", 3}}, token_).status, 422u);
    EXPECT_EQ(api_->post("/api/v1/conversations", {{"title", "a\nb"}}, token_).status, 422u);
    EXPECT_EQ(api_->post("/api/v1/conversations", {{"name", "x"}}, token_).status, 422u);
    EXPECT_EQ(api_->get("/api/v1/conversations?limit=0", token_).status, 422u);
    EXPECT_EQ(api_->get("/api/v1/conversations?limit=abc", token_).status, 422u);
    EXPECT_EQ(api_->get("/api/v1/conversations?page=2", token_).status, 400u);
    const auto bad_cursor = api_->get("/api/v1/conversations?cursor=not-a-cursor", token_);
    EXPECT_EQ(bad_cursor.status, 400u) << bad_cursor.body;
    EXPECT_EQ(api_->get("/api/v1/conversations/not-an-id", token_).status, 404u);
    EXPECT_EQ(patch("/api/v1/conversations/not-an-id", {{"title", "x"}}).status, 404u);
}

TEST_F(Conversations, NothingOfAnotherUserCanBeReadChangedOrDeleted) {
    const auto created = api_->post("/api/v1/conversations", {{"title", "private"}}, token_);
    const std::string id(json_of(created).at("id").as_string());
    const auto other = api_->token_for("snoop");
    EXPECT_EQ(api_->get("/api/v1/conversations/" + id, other).status, 404u);
    EXPECT_EQ(api_->get("/api/v1/conversations/" + id + "/messages", other).status, 404u);
    EXPECT_EQ(api_->client()
                  .request("PATCH", "/api/v1/conversations/" + id,
                           {{"Authorization", "Bearer " + other},
                            {"Content-Type", "application/json"}},
                           R"({"title":"mine now"})")
                  .status,
              404u);
    EXPECT_EQ(api_->del("/api/v1/conversations/" + id, other).status, 404u);
    EXPECT_TRUE(json_of(api_->get("/api/v1/conversations", other)).at("conversations").as_array().empty());
    EXPECT_EQ(json_of(api_->get("/api/v1/conversations/" + id, token_)).at("title").as_string(),
              "private");
}

// Turns alternate between two replicas; each prompt holds every earlier turn, whichever replica
// served it.
void expect_replicas_share_the_window(Env env, FakeLlm& fake) {
    env["LM_STUDIO_BASE_URL"] = fake.base_url();
    env["JWT_SECRET_KEY"] = "replica-window-secret-that-is-long-enough";
    Service first(env);
    Service second(env);
    AuthApi a(first.port());
    AuthApi b(second.port());
    const auto token = a.token_for("alternating");
    const auto opened = json_of(a.post("/api/v1/chat", {{"message", "turn 0"}}, token));
    const std::string id(opened.at("conversation_id").as_string());
    for (int turn = 1; turn <= 4; ++turn) {
        auto& api = turn % 2 == 1 ? b : a;
        const auto response = api.post(
            "/api/v1/chat", {{"message", "turn " + std::to_string(turn)}, {"conversation_id", id}},
            token);
        ASSERT_EQ(response.status, 200u) << response.body;
        const auto requests = fake.chat_requests();
        const auto& prompt = requests.back().at("body").at("messages").as_array();
        std::vector<std::string> users;
        for (const auto& message : prompt) {
            if (message.at("role").as_string() == "user") {
                users.push_back(std::string(message.at("content").as_string()));
            }
        }
        std::vector<std::string> expected;
        for (int i = 0; i <= turn; ++i) expected.push_back("turn " + std::to_string(i));
        EXPECT_EQ(users, expected) << "turn " << turn;
        EXPECT_EQ(prompt.size(), 1u + 2u * static_cast<std::size_t>(turn) + 1u);
    }
}

TEST(ConversationReplicas, TwoProcessesWithRedisShareTheWindow) {
    const char* redis_url = std::getenv("COMPANION_TEST_REDIS_URL");
    ASSERT_TRUE(redis_url != nullptr && *redis_url != '\0')
        << "COMPANION_TEST_REDIS_URL is not set: run scripts/services.sh up";
    ThrowawayDatabase database;
    FakeLlm fake;
    expect_replicas_share_the_window(
        Env{{"POSTGRES_URL", database.url()}, {"REDIS_ENABLED", "true"}, {"REDIS_URL", redis_url}},
        fake);
}

TEST(ConversationReplicas, TwoProcessesWithoutRedisReadTheWindowFromTheDatabase) {
    ThrowawayDatabase database;
    FakeLlm fake;
    expect_replicas_share_the_window(Env{{"POSTGRES_URL", database.url()}}, fake);
}

}  // namespace
}  // namespace companion::testing
