// /api/v1/goals against the real binary: the lifecycle, progress history, validation, isolation,
// and active goals in the prompt the LLM receives.
#include <gtest/gtest.h>

#include <string>

#include "support/auth_api.hpp"
#include "support/fake_llm.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

namespace json = boost::json;

class Goals : public ::testing::Test {
  protected:
    void SetUp() override {
        service_ = std::make_unique<Service>(Env{{"LM_STUDIO_BASE_URL", fake_.base_url()}});
        api_ = std::make_unique<AuthApi>(service_->port());
        token_ = api_->token_for("goal_setter");
    }

    HttpResponse patch(const std::string& target, const std::string& body,
                       const std::string& token = {}) {
        return api_->client().request("PATCH", target,
                                      {{"Authorization", "Bearer " + (token.empty() ? token_ : token)},
                                       {"Content-Type", "application/json"}},
                                      body);
    }

    std::string create(const json::object& body) {
        const auto response = api_->post("/api/v1/goals", body, token_);
        EXPECT_EQ(response.status, 201u) << response.body;
        return std::string(json_of(response).at("id").as_string());
    }

    FakeLlm fake_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<AuthApi> api_;
    std::string token_;
};

TEST_F(Goals, ProgressIsRecordedWithNotesAndOneHundredCompletesTheGoal) {
    const auto id = create({{"title", "Run a marathon"}, {"target_date", "2027-09-26"}});
    const auto started = json_of(api_->get("/api/v1/goals/" + id, token_));
    EXPECT_EQ(started.at("status").as_string(), "active");
    EXPECT_EQ(started.at("progress").as_int64(), 0);
    EXPECT_EQ(started.at("target_date").as_string(), "2027-09-26");

    const auto halfway =
        api_->post("/api/v1/goals/" + id + "/progress", {{"progress", 50}, {"note", "half"}}, token_);
    ASSERT_EQ(halfway.status, 200u) << halfway.body;
    EXPECT_EQ(json_of(halfway).at("progress").as_int64(), 50);
    const auto done =
        json_of(api_->post("/api/v1/goals/" + id + "/progress", {{"progress", 100}}, token_));
    EXPECT_EQ(done.at("status").as_string(), "completed");
    EXPECT_FALSE(done.at("completed_at").is_null());

    const auto detail = json_of(api_->get("/api/v1/goals/" + id, token_));
    const auto& history = detail.at("progress_history").as_array();
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history[0].at("note").as_string(), "half");
    EXPECT_EQ(history[1].at("progress").as_int64(), 100);

    const auto active = json_of(api_->get("/api/v1/goals?status=active", token_));
    EXPECT_TRUE(active.at("goals").as_array().empty());
    const auto completed = json_of(api_->get("/api/v1/goals?status=completed", token_));
    EXPECT_EQ(completed.at("goals").as_array().size(), 1u);
}

TEST_F(Goals, AGoalIsChangedAbandonedAndDeleted) {
    const auto id = create({{"title", "Learn Portuguese"}, {"target_date", "2027-01-31"}});
    const auto changed = patch("/api/v1/goals/" + id,
                               R"({"title":"Learn Brazilian Portuguese","target_date":null})");
    ASSERT_EQ(changed.status, 200u) << changed.body;
    EXPECT_EQ(json_of(changed).at("title").as_string(), "Learn Brazilian Portuguese");
    EXPECT_TRUE(json_of(changed).at("target_date").is_null());
    EXPECT_EQ(json_of(patch("/api/v1/goals/" + id, R"({"status":"abandoned"})")).at("status").as_string(),
              "abandoned");
    EXPECT_EQ(api_->del("/api/v1/goals/" + id, token_).status, 204u);
    EXPECT_EQ(api_->get("/api/v1/goals/" + id, token_).status, 404u);
}

TEST_F(Goals, BadInputIsRefusedByName) {
    EXPECT_EQ(api_->post("/api/v1/goals", {}, token_).status, 422u);
    EXPECT_EQ(api_->post("/api/v1/goals", {{"title", ""}}, token_).status, 422u);
    for (const char* date : {"2027-02-29", "2027-13-01", "27-01-01", "2027/01/01", "2027-04-31"}) {
        const auto response =
            api_->post("/api/v1/goals", {{"title", "x"}, {"target_date", date}}, token_);
        EXPECT_EQ(response.status, 422u) << date;
        EXPECT_NE(response.body.find("target_date"), std::string::npos);
    }
    EXPECT_EQ(api_->post("/api/v1/goals", {{"title", "x"}, {"target_date", "2028-02-29"}}, token_)
                  .status,
              201u);
    const auto id = create({{"title", "Read 20 books"}});
    EXPECT_EQ(api_->post("/api/v1/goals/" + id + "/progress", {{"progress", 101}}, token_).status,
              422u);
    EXPECT_EQ(api_->post("/api/v1/goals/" + id + "/progress", {{"progress", "50"}}, token_).status,
              422u);
    EXPECT_EQ(patch("/api/v1/goals/" + id, R"({"status":"paused"})").status, 422u);
    EXPECT_EQ(patch("/api/v1/goals/" + id, R"({"owner":"me"})").status, 422u);
    EXPECT_EQ(api_->get("/api/v1/goals?status=paused", token_).status, 422u);
    EXPECT_EQ(api_->get("/api/v1/goals/not-an-id", token_).status, 404u);
}

TEST_F(Goals, NothingOfAnotherUserCanBeReadChangedOrDeleted) {
    const auto id = create({{"title", "Private goal"}});
    const auto other = api_->token_for("goal_snoop");
    EXPECT_EQ(api_->get("/api/v1/goals/" + id, other).status, 404u);
    EXPECT_EQ(patch("/api/v1/goals/" + id, R"({"title":"mine"})", other).status, 404u);
    EXPECT_EQ(api_->post("/api/v1/goals/" + id + "/progress", {{"progress", 10}}, other).status,
              404u);
    EXPECT_EQ(api_->del("/api/v1/goals/" + id, other).status, 404u);
    EXPECT_TRUE(json_of(api_->get("/api/v1/goals", other)).at("goals").as_array().empty());
    EXPECT_EQ(json_of(api_->get("/api/v1/goals/" + id, token_)).at("title").as_string(),
              "Private goal");
}

TEST_F(Goals, ActiveGoalsGoIntoThePromptSoTheCompanionCanAskAboutThem) {
    create({{"title", "Run a marathon"}, {"target_date", "2027-09-26"}});
    const auto finished = create({{"title", "Quit sugar"}});
    api_->post("/api/v1/goals/" + finished + "/progress", {{"progress", 100}}, token_);
    ASSERT_EQ(api_->post("/api/v1/chat", {{"message", "Hi!"}}, token_).status, 200u);
    const auto requests = fake_.chat_requests();
    const std::string system(
        requests.back().at("body").at("messages").at(0).at("content").as_string());
    EXPECT_NE(system.find("Goals they are working on"), std::string::npos) << system;
    EXPECT_NE(system.find("- Run a marathon (0% done, target 2027-09-26)"), std::string::npos)
        << system;
    EXPECT_EQ(system.find("Quit sugar"), std::string::npos) << "completed goals are left out";
}

}  // namespace
}  // namespace companion::testing
