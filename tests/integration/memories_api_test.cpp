// /api/v1/memories against the real binary on SQLite and on PostgreSQL: what a user tells the
// companion to remember is listed, read, found by meaning with scores, changed (and embedded
// again), deduplicated, and forgotten; bad input changes nothing; users never see each other's
// memories; embedding server failures answer as the chat's LLM failures do.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "support/auth_api.hpp"
#include "support/fake_llm.hpp"
#include "support/service.hpp"
#include "support/stores.hpp"

namespace companion::testing {
namespace {

namespace json = boost::json;

const std::string kMarathon = "I'm training for the Berlin marathon in September";
const std::string kMarathonQuestion = "How should I plan my long runs for the marathon?";
const std::vector<std::string> kOtherFacts = {
    "My sister Anna lives in Lisbon with her two cats",
    "I'm allergic to peanuts and shellfish",
    "I work night shifts as a nurse at the children's hospital",
    "My favourite band is Radiohead",
};

std::string id_of(const HttpResponse& response) {
    return std::string(json_of(response).at("id").as_string());
}

class MemoriesApi : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        database_ = std::make_unique<ServiceDatabase>(make_service_database(GetParam()));
        Env env = database_->env;
        env["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "100000";
        service_ = std::make_unique<Service>(env);
        api_ = std::make_unique<AuthApi>(service_->port());
        token_ = api_->token_for("rememberer");
        ASSERT_FALSE(token_.empty());
    }

    HttpResponse remember(const std::string& content, std::optional<double> importance = {},
                          const std::string& token = {}) {
        json::object body{{"content", content}};
        if (importance) body["importance"] = *importance;
        return api_->post("/api/v1/memories", body, token.empty() ? token_ : token);
    }
    std::string remembered_id(const std::string& content, const std::string& token = {}) {
        const auto response = remember(content, {}, token);
        EXPECT_EQ(response.status, 201u) << response.body;
        return id_of(response);
    }

    HttpResponse patch(const std::string& id, const std::string& body,
                       const std::string& token = {}) {
        return api_->client().request(
            "PATCH", "/api/v1/memories/" + id,
            {{"Authorization", "Bearer " + (token.empty() ? token_ : token)},
             {"Content-Type", "application/json"}},
            body);
    }

    // The memories a search answers, best first.
    json::array search(const std::string& query, const std::string& token = {}) {
        const auto response =
            api_->get("/api/v1/memories/search?" + query, token.empty() ? token_ : token);
        EXPECT_EQ(response.status, 200u) << response.body;
        if (response.status != 200u) return {};
        return json_of(response).at("memories").as_array();
    }

    json::array all_memories(const std::string& token = {}) {
        const auto response =
            api_->get("/api/v1/memories?limit=100", token.empty() ? token_ : token);
        EXPECT_EQ(response.status, 200u) << response.body;
        return json_of(response).at("memories").as_array();
    }

    std::unique_ptr<ServiceDatabase> database_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<AuthApi> api_;
    std::string token_;
};

// "How should I plan ..." with the query string's own escapes.
std::string q(const std::string& text) {
    std::string out = "q=";
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            static constexpr char kHex[] = "0123456789ABCDEF";
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

TEST_P(MemoriesApi, AToldMemoryIsReadChangedEmbeddedAgainAndForgotten) {
    const auto created = remember("  " + kMarathon + "\n", 0.8);
    ASSERT_EQ(created.status, 201u) << created.body;
    const auto memory = json_of(created);
    const std::string id(memory.at("id").as_string());
    EXPECT_EQ(memory.at("content").as_string(), kMarathon) << "trimmed";
    EXPECT_EQ(memory.at("importance").as_double(), 0.8);
    EXPECT_EQ(memory.at("deduplicated").as_bool(), false);
    EXPECT_EQ(memory.at("embedding_model").as_string(), "builtin-lexical-v1/384");
    EXPECT_EQ(memory.at("embedding_dimension").as_int64(), 384);
    EXPECT_TRUE(memory.at("conversation_id").is_null());
    EXPECT_TRUE(memory.at("last_accessed_at").is_null());
    EXPECT_FALSE(memory.contains("embedding"));

    const auto read = api_->get("/api/v1/memories/" + id, token_);
    ASSERT_EQ(read.status, 200u) << read.body;
    EXPECT_EQ(json_of(read).at("content").as_string(), kMarathon);
    EXPECT_FALSE(json_of(read).contains("deduplicated"));

    const auto reweighed = patch(id, R"({"importance":0.3})");
    ASSERT_EQ(reweighed.status, 200u) << reweighed.body;
    EXPECT_EQ(json_of(reweighed).at("importance").as_double(), 0.3);
    EXPECT_EQ(json_of(reweighed).at("content").as_string(), kMarathon);

    const std::string moved = "I'm learning to sail a dinghy on Lake Constance";
    const auto rewritten = patch(id, json::serialize(json::object{{"content", moved}}));
    ASSERT_EQ(rewritten.status, 200u) << rewritten.body;
    EXPECT_EQ(json_of(rewritten).at("content").as_string(), moved);
    EXPECT_EQ(json_of(rewritten).at("importance").as_double(), 0.3);
    // Embedded again: found by what it says now, no longer by what it said.
    EXPECT_TRUE(search(q(kMarathonQuestion)).empty());
    const auto sailing = search(q("Any tips for sailing a dinghy?"));
    ASSERT_EQ(sailing.size(), 1u);
    EXPECT_EQ(sailing[0].at("id").as_string(), id);

    EXPECT_EQ(api_->del("/api/v1/memories/" + id, token_).status, 204u);
    EXPECT_EQ(api_->get("/api/v1/memories/" + id, token_).status, 404u);
    EXPECT_EQ(api_->del("/api/v1/memories/" + id, token_).status, 404u);
    EXPECT_EQ(patch(id, R"({"importance":0.9})").status, 404u);
    EXPECT_TRUE(search(q("Any tips for sailing a dinghy?")).empty());
}

TEST_P(MemoriesApi, TheListingIsNewestFirstAndPagesThroughACursor) {
    // Facts far apart, so that none is a near-duplicate of another.
    std::vector<std::string> ids;
    for (const auto& fact : kOtherFacts) ids.push_back(remembered_id(fact));
    ids.push_back(remembered_id(kMarathon));
    std::vector<std::string> listed;
    std::string cursor;
    int pages = 0;
    do {
        const auto response = api_->get(
            "/api/v1/memories?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor), token_);
        ASSERT_EQ(response.status, 200u) << response.body;
        const auto body = json_of(response);
        const auto& page = body.at("memories").as_array();
        EXPECT_LE(page.size(), 2u);
        for (const auto& memory : page) listed.emplace_back(memory.at("id").as_string());
        cursor =
            body.at("next_cursor").is_null() ? "" : std::string(body.at("next_cursor").as_string());
        ++pages;
    } while (!cursor.empty() && pages < 10);
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(listed, std::vector<std::string>(ids.rbegin(), ids.rend()));
    EXPECT_EQ(api_->get("/api/v1/memories?cursor=not-a-cursor", token_).status, 400u);
}

TEST_P(MemoriesApi, ARepeatedFactRefreshesTheMemoryItRepeatsInsteadOfAddingOne) {
    const auto first = remember(kMarathon, 0.4);
    ASSERT_EQ(first.status, 201u) << first.body;
    const auto original = json_of(first);

    // The same words in another order and case: a near-duplicate (cosine >= 0.95).
    const auto again = remember("in September I'm training for the Berlin Marathon!", 0.9);
    ASSERT_EQ(again.status, 200u) << again.body;
    const auto refreshed = json_of(again);
    EXPECT_EQ(refreshed.at("deduplicated").as_bool(), true);
    EXPECT_EQ(refreshed.at("id").as_string(), original.at("id").as_string());
    EXPECT_EQ(refreshed.at("content").as_string(), kMarathon) << "the memory keeps its words";
    EXPECT_EQ(refreshed.at("importance").as_double(), 0.9) << "the higher importance wins";
    EXPECT_GT(refreshed.at("updated_at").as_string(), original.at("updated_at").as_string());
    EXPECT_EQ(refreshed.at("created_at").as_string(), original.at("created_at").as_string());

    const auto lower = remember(kMarathon, 0.1);
    ASSERT_EQ(lower.status, 200u) << lower.body;
    EXPECT_EQ(json_of(lower).at("importance").as_double(), 0.9);

    const auto different = remember("I'm training for a triathlon in Hamburg");
    EXPECT_EQ(different.status, 201u) << different.body;
    EXPECT_EQ(all_memories().size(), 2u);
}

TEST_P(MemoriesApi, SearchFindsTheMarathonForARelatedQuestionWithScoresAndNothingForSmallTalk) {
    const auto marathon = remembered_id(kMarathon);
    for (const auto& fact : kOtherFacts) remembered_id(fact);
    const auto before = json_of(api_->get("/api/v1/memories/" + marathon, token_));

    const auto response = api_->get("/api/v1/memories/search?" + q(kMarathonQuestion), token_);
    ASSERT_EQ(response.status, 200u) << response.body;
    const auto body = json_of(response);
    EXPECT_EQ(body.at("k").as_int64(), 5);
    EXPECT_EQ(body.at("min_score").as_double(), 0.2);
    const auto& found = body.at("memories").as_array();
    ASSERT_EQ(found.size(), 1u) << response.body;
    EXPECT_EQ(found[0].at("id").as_string(), marathon);
    EXPECT_EQ(found[0].at("content").as_string(), kMarathon);
    const double similarity = found[0].at("similarity").as_double();
    EXPECT_GE(similarity, 0.2);
    EXPECT_LT(similarity, 0.95);
    // The default boosts (MEMORY_RECENCY_WEIGHT, MEMORY_IMPORTANCE_WEIGHT) only add.
    EXPECT_GE(found[0].at("score").as_double(), similarity);

    for (const char* small_talk :
         {"Hi, how are you today?", "Good morning!", "thanks, that's nice", "What a lovely day"}) {
        EXPECT_TRUE(search(q(small_talk)).empty()) << small_talk;
    }

    // With no threshold every memory of a positive cosine competes: best first, k at most.
    const auto everything = search(q(kMarathonQuestion) + "&min_score=0&k=100");
    ASSERT_GE(everything.size(), 1u);
    EXPECT_EQ(everything[0].at("id").as_string(), marathon);
    for (std::size_t i = 1; i < everything.size(); ++i) {
        EXPECT_GE(everything[i - 1].at("score").as_double(), everything[i].at("score").as_double());
        EXPECT_GE(everything[i].at("similarity").as_double(), 0.0);
    }
    const auto lisbon = search(q("Is my sister Anna still living in Lisbon?") + "&k=1&min_score=0");
    ASSERT_EQ(lisbon.size(), 1u);
    EXPECT_EQ(lisbon[0].at("content").as_string(), kOtherFacts[0]);
    EXPECT_TRUE(search(q(kMarathonQuestion) + "&min_score=1").empty());

    // Searching is looking, not recalling: nothing is marked as accessed.
    const auto after = json_of(api_->get("/api/v1/memories/" + marathon, token_));
    EXPECT_EQ(after.at("access_count").as_int64(), before.at("access_count").as_int64());
    EXPECT_EQ(after.at("last_accessed_at"), before.at("last_accessed_at"));
}

TEST_P(MemoriesApi, BadInputIsRefusedByNameAndChangesNothing) {
    const auto id = remembered_id(kMarathon);
    const auto before = all_memories();

    const auto expect_error = [](const HttpResponse& response, unsigned status,
                                 const std::string& code, const std::string& named) {
        EXPECT_EQ(response.status, status) << response.body;
        if (response.status != status) return;
        EXPECT_EQ(error_code(response), code) << response.body;
        const std::string message(json_of(response).at("error").at("message").as_string());
        EXPECT_NE(message.find(named), std::string::npos) << message;
    };
    const std::string post = "/api/v1/memories";
    expect_error(api_->post(post, {}, token_), 422, "missing_field", "content");
    expect_error(remember("   \n\t "), 422, "invalid_field", "blank");
    expect_error(remember(std::string(4001, 'a')), 422, "message_too_long", "4000");
    expect_error(remember("a fact", 1.5), 422, "invalid_field", "importance");
    expect_error(api_->post(post, {{"content", "a fact"}, {"importance", "high"}}, token_), 422,
                 "invalid_field", "importance");
    expect_error(api_->post(post, {{"content", 42}}, token_), 422, "invalid_field", "content");
    expect_error(api_->post(post, {{"content", "a fact"}, {"source", "me"}}, token_), 422,
                 "unknown_field", "source");
    expect_error(api_->client().request(
                     "POST", post,
                     {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}},
                     "{\"content\": \"a fact\""),
                 400, "invalid_json", "JSON");

    expect_error(patch(id, "{}"), 422, "missing_field", "importance");
    expect_error(patch(id, R"({"content":"  "})"), 422, "invalid_field", "blank");
    expect_error(patch(id, R"({"importance":-0.5})"), 422, "invalid_field", "importance");
    expect_error(patch(id, R"({"content":"new words","pinned":true})"), 422, "unknown_field",
                 "pinned");

    const std::string search_path = "/api/v1/memories/search";
    expect_error(api_->get(search_path, token_), 422, "missing_field", "q");
    expect_error(api_->get(search_path + "?q=%20%20", token_), 422, "invalid_field", "blank");
    expect_error(api_->get(search_path + "?" + q(std::string(4001, 'x')), token_), 422,
                 "message_too_long", "4000");
    for (const char* k : {"0", "101", "two", "1.5", ""}) {
        expect_error(api_->get(search_path + "?q=marathon&k=" + k, token_), 422, "invalid_field",
                     "\"k\"");
    }
    for (const char* score : {"-0.1", "1.01", "high", "nan", "inf", "", "0.5x"}) {
        expect_error(api_->get(search_path + "?q=marathon&min_score=" + score, token_), 422,
                     "invalid_field", "min_score");
    }
    expect_error(api_->get(search_path + "?q=marathon&top=3", token_), 400, "invalid_query", "top");
    expect_error(api_->get(search_path + "?q=a&q=b", token_), 400, "invalid_query", "repeated");
    expect_error(api_->get(search_path + "?q=%FF", token_), 400, "invalid_utf8", "q");

    expect_error(api_->get("/api/v1/memories?limit=0", token_), 422, "invalid_field", "limit");
    expect_error(api_->get("/api/v1/memories/not-an-id", token_), 404, "not_found", "memory");
    expect_error(api_->del("/api/v1/memories?id=" + id, token_), 400, "invalid_query", "id");

    EXPECT_EQ(all_memories(), before);

    // The limit counts characters, not bytes: 4,000 two-byte letters are within it.
    std::string accents;
    for (int i = 0; i < 4000; ++i) accents += "\u00e9";
    EXPECT_EQ(remember(accents).status, 201u);
}

TEST_P(MemoriesApi, NothingOfAnotherUserCanBeReadFoundChangedOrDeleted) {
    const auto id = remembered_id(kMarathon);
    const auto other = api_->token_for("memory_snoop");
    ASSERT_FALSE(other.empty());

    EXPECT_EQ(api_->get("/api/v1/memories/" + id, other).status, 404u);
    EXPECT_EQ(patch(id, R"({"importance":0.1})", other).status, 404u);
    EXPECT_EQ(patch(id, R"({"content":"mine now"})", other).status, 404u);
    EXPECT_EQ(api_->del("/api/v1/memories/" + id, other).status, 404u);
    EXPECT_TRUE(all_memories(other).empty());
    EXPECT_TRUE(search(q(kMarathonQuestion), other).empty());
    // The same fact told by the other user is their own memory, not a duplicate of this one.
    const auto theirs = remember(kMarathon, {}, other);
    ASSERT_EQ(theirs.status, 201u) << theirs.body;
    EXPECT_NE(id_of(theirs), id);
    const auto forgotten = api_->del("/api/v1/memories", other);
    ASSERT_EQ(forgotten.status, 200u) << forgotten.body;
    EXPECT_EQ(json_of(forgotten).at("deleted").as_int64(), 1);

    const auto mine = json_of(api_->get("/api/v1/memories/" + id, token_));
    EXPECT_EQ(mine.at("content").as_string(), kMarathon);
    EXPECT_EQ(mine.at("importance").as_double(), 0.5);
    EXPECT_EQ(search(q(kMarathonQuestion)).size(), 1u);
}

TEST_P(MemoriesApi, ForgettingEverythingDeletesAllOfTheCallersMemoriesAndNoOneElses) {
    for (const auto& fact : kOtherFacts) remembered_id(fact);
    remembered_id(kMarathon);
    const auto other = api_->token_for("keeps_memories");
    const auto kept = remembered_id("I keep bees on my roof", other);

    const auto forgotten = api_->del("/api/v1/memories", token_);
    ASSERT_EQ(forgotten.status, 200u) << forgotten.body;
    EXPECT_EQ(json_of(forgotten).at("deleted").as_int64(), 5);
    EXPECT_TRUE(all_memories().empty());
    EXPECT_TRUE(search(q(kMarathonQuestion)).empty());
    EXPECT_EQ(json_of(api_->del("/api/v1/memories", token_)).at("deleted").as_int64(), 0);

    EXPECT_EQ(api_->get("/api/v1/memories/" + kept, other).status, 200u);
    EXPECT_EQ(search(q("How are the bees on the roof?"), other).size(), 1u);
    // Remembering works again after forgetting: the fact is new, not a duplicate of a ghost.
    EXPECT_EQ(remember(kMarathon).status, 201u);
}

INSTANTIATE_TEST_SUITE_P(Backends, MemoriesApi, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// EMBEDDING_PROVIDER=openai against the fake LLM server: its failures are the chat's 502, 503
// and 504 answers, and a request that failed stored nothing.
class MemoryEmbeddingFailures : public ::testing::Test {
  protected:
    void SetUp() override {
        service_ = std::make_unique<Service>(Env{{"EMBEDDING_PROVIDER", "openai"},
                                                 {"EMBEDDING_MODEL", "fake-embedder"},
                                                 {"LM_STUDIO_BASE_URL", fake_.base_url()},
                                                 {"LLM_MAX_RETRIES", "0"},
                                                 {"LLM_BREAKER_FAILURES", "0"},
                                                 {"LLM_TIMEOUT_SECONDS", "1"},
                                                 {"LLM_FIRST_TOKEN_TIMEOUT_SECONDS", "1"},
                                                 {"RATE_LIMIT_REQUESTS_PER_MINUTE", "100000"}});
        api_ = std::make_unique<AuthApi>(service_->port());
        token_ = api_->token_for("embedded");
        ASSERT_FALSE(token_.empty());
    }

    HttpResponse remember(const std::string& content) {
        return api_->post("/api/v1/memories", {{"content", content}}, token_);
    }
    HttpResponse patch(const std::string& id, const json::object& body) {
        return api_->client().request(
            "PATCH", "/api/v1/memories/" + id,
            {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}},
            json::serialize(body));
    }
    json::array all_memories() {
        return json_of(api_->get("/api/v1/memories", token_)).at("memories").as_array();
    }

    FakeLlm fake_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<AuthApi> api_;
    std::string token_;
};

TEST_F(MemoryEmbeddingFailures, EmbeddingServerFailuresAreLlmErrorsAndStoreNothing) {
    const auto stored = remember(kMarathon);
    ASSERT_EQ(stored.status, 201u) << stored.body;
    EXPECT_EQ(json_of(stored).at("embedding_model").as_string(), "fake-embedder");
    const auto id = id_of(stored);
    const auto before = all_memories();

    const auto expect_failure = [&](unsigned status, const std::string& code) {
        const auto created = remember("I have a dentist appointment on Friday");
        EXPECT_EQ(created.status, status) << created.body;
        if (created.status == status) { EXPECT_EQ(error_code(created), code); }
        const auto changed = patch(id, {{"content", "I ran the Berlin marathon in 3:59"}});
        EXPECT_EQ(changed.status, status) << changed.body;
        if (changed.status == status) { EXPECT_EQ(error_code(changed), code); }
        const auto searched = api_->get("/api/v1/memories/search?q=marathon", token_);
        EXPECT_EQ(searched.status, status) << searched.body;
        if (searched.status == status) { EXPECT_EQ(error_code(searched), code); }
        return created;
    };

    fake_.configure(R"({"status": 500})");
    expect_failure(502, "llm_error");
    fake_.configure(R"({"hang": true})");
    expect_failure(504, "llm_timeout");
    fake_.stop();
    const auto unavailable = expect_failure(503, "llm_unavailable");
    EXPECT_EQ(unavailable.header("retry-after"), "5");

    EXPECT_EQ(all_memories(), before);
    // What needs no embedding still works.
    const auto reweighed = patch(id, {{"importance", 0.9}});
    ASSERT_EQ(reweighed.status, 200u) << reweighed.body;
    EXPECT_EQ(json_of(reweighed).at("importance").as_double(), 0.9);
    EXPECT_EQ(api_->del("/api/v1/memories/" + id, token_).status, 204u);
}

}  // namespace
}  // namespace companion::testing
