// Two server processes on one PostgreSQL database: a memory added, changed or deleted through the
// memories API of one replica is found, changed or gone in the other's search on the very next
// request. With Redis each replica keeps its users' vectors in memory and drops them when the
// other publishes a change; without Redis the replicas search in PostgreSQL.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

#include "support/async.hpp"
#include "support/auth_api.hpp"
#include "support/postgres_admin.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* kSecret = "memory-replica-test-secret-long-enough";
const std::string kMarathon = "I'm training for the Berlin marathon in September";
const std::string kMarathonQuery =
    "q=How%20should%20I%20plan%20my%20long%20runs%20for%20the%20marathon%3F";
const std::string kSisterQuery = "q=Where%20does%20my%20sister%20Anna%20live%3F";

class MemoryReplicasApi : public ::testing::TestWithParam<bool> {
  protected:
    void SetUp() override {
        Env env{{"POSTGRES_URL", database_.url()},
                {"JWT_SECRET_KEY", kSecret},
                {"RATE_LIMIT_REQUESTS_PER_MINUTE", "100000"}};
        if (GetParam()) {
            const char* redis_url = std::getenv("COMPANION_TEST_REDIS_URL");
            ASSERT_TRUE(redis_url != nullptr && *redis_url != '\0')
                << "COMPANION_TEST_REDIS_URL is not set: run scripts/services.sh up, then eval "
                   "\"$(scripts/services.sh env)\"";
            env["REDIS_ENABLED"] = "true";
            env["REDIS_URL"] = redis_url;
        }
        first_ = std::make_unique<Service>(env);
        second_ = std::make_unique<Service>(env);
        if (GetParam()) {
            // Each replica trusts its in-process index once it hears of the other's changes.
            for (auto* service : {first_.get(), second_.get()}) {
                ASSERT_TRUE(eventually(
                    [service] {
                        return service->stdout_text().find("memory index on") != std::string::npos;
                    },
                    10s))
                    << service->stdout_text();
            }
        }
        a_ = std::make_unique<AuthApi>(first_->port());
        b_ = std::make_unique<AuthApi>(second_->port());
        token_ = a_->token_for("replicated_memories");
        ASSERT_FALSE(token_.empty());
    }

    std::string remember(AuthApi& api, const std::string& content) {
        const auto response = api.post("/api/v1/memories", {{"content", content}}, token_);
        EXPECT_EQ(response.status, 201u) << response.body;
        return response.status == 201u ? std::string(json_of(response).at("id").as_string()) : "";
    }

    std::set<std::string> found_by(AuthApi& api, const std::string& query) {
        const auto response = api.get("/api/v1/memories/search?" + query, token_);
        EXPECT_EQ(response.status, 200u) << response.body;
        std::set<std::string> ids;
        if (response.status != 200u) return ids;
        const auto body = json_of(response);
        for (const auto& memory : body.at("memories").as_array()) {
            ids.insert(std::string(memory.at("id").as_string()));
        }
        return ids;
    }

    // Both replicas have searched this user's memories, so that each holds them in its index
    // (loaded in the background after the first search) before the writes under test.
    void warm_up(const std::string& known_id) {
        for (auto* api : {a_.get(), b_.get()}) {
            EXPECT_EQ(found_by(*api, kSisterQuery), std::set<std::string>{known_id});
        }
        std::this_thread::sleep_for(500ms);
        for (auto* api : {a_.get(), b_.get()}) {
            EXPECT_EQ(found_by(*api, kSisterQuery), std::set<std::string>{known_id});
        }
    }

    ThrowawayDatabase database_;
    std::unique_ptr<Service> first_;
    std::unique_ptr<Service> second_;
    std::unique_ptr<AuthApi> a_;
    std::unique_ptr<AuthApi> b_;
    std::string token_;
};

TEST_P(MemoryReplicasApi, AMemoryAddedOrDeletedThroughOneReplicaIsFoundOrGoneThroughTheOther) {
    const auto sister = remember(*a_, "My sister Anna lives in Lisbon");
    warm_up(sister);
    // Several rounds, both ways: each write is seen by the other replica's next request.
    for (int round = 0; round < 3; ++round) {
        auto& writer = round % 2 == 0 ? *a_ : *b_;
        auto& reader = round % 2 == 0 ? *b_ : *a_;
        const auto marathon = remember(writer, kMarathon);
        EXPECT_EQ(found_by(reader, kMarathonQuery), std::set<std::string>{marathon})
            << "round " << round;
        ASSERT_EQ(writer.del("/api/v1/memories/" + marathon, token_).status, 204u);
        EXPECT_TRUE(found_by(reader, kMarathonQuery).empty()) << "round " << round;
    }
    EXPECT_EQ(found_by(*b_, kSisterQuery), std::set<std::string>{sister});
}

TEST_P(MemoryReplicasApi, AMemoryChangedThroughOneReplicaIsFoundByItsNewWordsThroughTheOther) {
    const auto sister = remember(*a_, "My sister Anna lives in Lisbon");
    const auto marathon = remember(*a_, kMarathon);
    warm_up(sister);
    EXPECT_EQ(found_by(*b_, kMarathonQuery), std::set<std::string>{marathon});

    const auto changed = a_->client().request(
        "PATCH", "/api/v1/memories/" + marathon,
        {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}},
        R"({"content":"I'm learning to sail a dinghy on Lake Constance"})");
    ASSERT_EQ(changed.status, 200u) << changed.body;
    EXPECT_TRUE(found_by(*b_, kMarathonQuery).empty());
    EXPECT_EQ(found_by(*b_, "q=Any%20tips%20for%20sailing%20a%20dinghy%3F"),
              std::set<std::string>{marathon});
}

TEST_P(MemoryReplicasApi, ForgettingEverythingThroughOneReplicaEmptiesTheOthersSearch) {
    const auto sister = remember(*a_, "My sister Anna lives in Lisbon");
    const auto marathon = remember(*a_, kMarathon);
    warm_up(sister);
    EXPECT_EQ(found_by(*b_, kMarathonQuery), std::set<std::string>{marathon});

    const auto forgotten = a_->del("/api/v1/memories", token_);
    ASSERT_EQ(forgotten.status, 200u) << forgotten.body;
    EXPECT_EQ(json_of(forgotten).at("deleted").as_int64(), 2);
    EXPECT_TRUE(found_by(*b_, kMarathonQuery).empty());
    EXPECT_TRUE(found_by(*b_, kSisterQuery).empty());
    const auto listed = b_->get("/api/v1/memories", token_);
    EXPECT_TRUE(json_of(listed).at("memories").as_array().empty());
}

INSTANTIATE_TEST_SUITE_P(Cache, MemoryReplicasApi, ::testing::Values(true, false),
                         [](const auto& info) {
                             return std::string(info.param ? "WithRedis" : "WithoutRedis");
                         });

}  // namespace
}  // namespace companion::testing
