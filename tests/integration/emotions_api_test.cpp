// /api/v1/emotions and /api/v1/emotions/summary against the real binary on SQLite and on
// PostgreSQL. The emotion rows are written through a store instance of the test's own on the
// service's database (as a chat turn writes them) and then dated back in that database, since a
// row is always stamped with the time it is written.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "api/auth_context.hpp"
#include "store/store.hpp"
#include "support/async.hpp"
#include "support/auth_api.hpp"
#include "support/postgres_admin.hpp"
#include "support/service.hpp"
#include "support/stores.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* kEmotions[] = {"joy",     "sadness", "anger",        "fear",   "surprise",
                                     "disgust", "trust",   "anticipation", "neutral"};

// A timestamp as the service writes them: RFC 3339 in UTC (`Z`), nothing to escape.
std::string query_time(store::Timestamp at) {
    return api::format_timestamp(at);
}

class EmotionsApi : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        database_ = std::make_unique<ServiceDatabase>(make_service_database(GetParam()));
        Env env = database_->env;
        env["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "100000";
        service_ = std::make_unique<Service>(env);
        api_ = std::make_unique<AuthApi>(service_->port());
        store_ = database_->open();
        token_ = api_->token_for("feeler");
        ASSERT_FALSE(token_.empty());
        user_id_ = user_of(token_);
    }
    void TearDown() override {
        if (store_) store_->close();
    }

    std::string user_of(const std::string& token) {
        return std::string(json_of(api_->get("/api/v1/auth/me", token)).at("id").as_string());
    }

    // An emotion of the user's, written `age` ago.
    std::string seed(const std::string& user_id, const std::string& emotion, double valence,
                     double intensity, std::chrono::microseconds age) {
        store::EmotionRecord record;
        record.user_id = user_id;
        record.emotion = emotion;
        record.valence = valence;
        record.intensity = intensity;
        record.arousal = 0.5;
        const auto id = loop_.run(store_->insert_emotion(record)).id;
        backdate(id, age);
        return id;
    }

    void backdate(const std::string& id, std::chrono::microseconds age) {
        if (GetParam() == "postgresql") {
            const auto changed = query_column(
                database_->env.at("POSTGRES_URL"),
                fmt::format("UPDATE emotion_history SET created_at = created_at - "
                            "interval '1 microsecond' * {} WHERE id = '{}' RETURNING id",
                            age.count(), id));
            ASSERT_EQ(changed.size(), 1u);
            return;
        }
        const auto path = database_->env.at("DATA_DIR") + "/companion.db";
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 10000);
        sqlite3_stmt* statement = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db,
                                     "UPDATE emotion_history SET created_at = created_at - ?1 "
                                     "WHERE id = ?2",
                                     -1, &statement, nullptr),
                  SQLITE_OK)
            << sqlite3_errmsg(db);
        sqlite3_bind_int64(statement, 1, age.count());
        sqlite3_bind_text(statement, 2, id.c_str(), -1, SQLITE_TRANSIENT);
        const int stepped = sqlite3_step(statement);
        const int changes = sqlite3_changes(db);
        sqlite3_finalize(statement);
        sqlite3_close(db);
        ASSERT_EQ(stepped, SQLITE_DONE);
        ASSERT_EQ(changes, 1);
    }

    json::object get_ok(const std::string& target, const std::string& token = {}) {
        const auto response = api_->get(target, token.empty() ? token_ : token);
        EXPECT_EQ(response.status, 200u) << target << ": " << response.body;
        if (response.status != 200u) return {};
        return json_of(response);
    }

    // The ids of a timeline answer, in order.
    std::vector<std::string> timeline(const std::string& query, const std::string& token = {}) {
        const auto body = get_ok("/api/v1/emotions" + query, token);
        std::vector<std::string> ids;
        if (!body.contains("emotions")) return ids;
        for (const auto& record : body.at("emotions").as_array()) {
            ids.emplace_back(record.at("id").as_string());
        }
        return ids;
    }

    TestLoop loop_;
    std::unique_ptr<ServiceDatabase> database_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<AuthApi> api_;
    std::unique_ptr<store::Store> store_;
    std::string token_;
    std::string user_id_;
};

using Ids = std::vector<std::string>;

TEST_P(EmotionsApi, TheTimelineListsThePeriodsRecordsOldestFirst) {
    const auto long_ago = seed(user_id_, "joy", 0.8, 0.6, 40 * 24h);
    const auto ten_days = seed(user_id_, "sadness", -0.6, 0.5, 10 * 24h);
    const auto two_days = seed(user_id_, "anger", -0.7, 0.7, 2 * 24h);
    const auto just_now = seed(user_id_, "joy", 0.8, 0.6, 1min);
    const auto other_token = api_->token_for("someone_else");
    seed(user_of(other_token), "fear", -0.8, 0.9, 1h);
    const auto now = store::now();

    const auto body = get_ok("/api/v1/emotions");
    const auto& records = body.at("emotions").as_array();
    ASSERT_EQ(records.size(), 3u) << "the last 30 days by default";
    EXPECT_EQ(records[0].at("id").as_string(), ten_days);
    EXPECT_EQ(records[0].at("emotion").as_string(), "sadness");
    EXPECT_EQ(records[0].at("valence").as_double(), -0.6);
    EXPECT_EQ(records[0].at("intensity").as_double(), 0.5);
    EXPECT_EQ(records[0].at("arousal").as_double(), 0.5);
    EXPECT_TRUE(records[0].at("message_id").is_null());
    EXPECT_EQ(records[1].at("id").as_string(), two_days);
    EXPECT_EQ(records[2].at("id").as_string(), just_now);
    EXPECT_EQ(body.at("truncated").as_bool(), false);
    EXPECT_GE(std::string(body.at("to").as_string()), query_time(now - 1min));

    EXPECT_EQ(timeline("?days=5"), (Ids{two_days, just_now}));
    EXPECT_EQ(timeline("?days=60"), (Ids{long_ago, ten_days, two_days, just_now}));
    EXPECT_EQ(timeline("?from=" + query_time(now - 41 * 24h) + "&to=" + query_time(now - 39 * 24h)),
              Ids{long_ago});
    EXPECT_EQ(timeline("?from=" + query_time(now - 3 * 24h)), (Ids{two_days, just_now}));
    EXPECT_EQ(timeline("?to=" + query_time(now - 5 * 24h)), Ids{ten_days}) << "30 days before `to`";

    // Dates alone are midnight UTC; offsets are honoured, their `+` escaped or not.
    const auto tomorrow = api::format_timestamp(now + 24h).substr(0, 10);
    const auto weeks_ago = api::format_timestamp(now - 45 * 24h).substr(0, 10);
    EXPECT_EQ(timeline("?from=" + weeks_ago + "&to=" + tomorrow),
              (Ids{long_ago, ten_days, two_days, just_now}));
    auto in_berlin = api::format_timestamp(now - 3 * 24h + 2h);  // ...Z, two hours ahead
    in_berlin.replace(in_berlin.size() - 1, 1, "+02:00");
    EXPECT_EQ(timeline("?from=" + in_berlin), (Ids{two_days, just_now}));
    in_berlin.replace(in_berlin.size() - 6, 1, "%2B");
    EXPECT_EQ(timeline("?from=" + in_berlin), (Ids{two_days, just_now}));
    auto in_new_york = api::format_timestamp(now - 3 * 24h - 5h);
    in_new_york.replace(in_new_york.size() - 1, 1, "-05:00");
    EXPECT_EQ(timeline("?from=" + in_new_york), (Ids{two_days, just_now}));
    auto lower_case = api::format_timestamp(now - 3 * 24h);
    lower_case[10] = 't';
    lower_case.back() = 'z';
    EXPECT_EQ(timeline("?from=" + lower_case), (Ids{two_days, just_now}));

    const auto limited = get_ok("/api/v1/emotions?limit=2");
    ASSERT_EQ(limited.at("emotions").as_array().size(), 2u);
    EXPECT_EQ(limited.at("emotions").as_array()[0].at("id").as_string(), ten_days);
    EXPECT_EQ(limited.at("truncated").as_bool(), true);
    EXPECT_EQ(get_ok("/api/v1/emotions?limit=3").at("truncated").as_bool(), false);

    EXPECT_TRUE(timeline("?days=1", other_token).size() == 1u) << "their own record only";
}

TEST_P(EmotionsApi, BadPeriodsAreRefusedByName) {
    const auto expect_error = [this](const std::string& target, unsigned status,
                                     const std::string& code, const std::string& named) {
        const auto response = api_->get(target, token_);
        EXPECT_EQ(response.status, status) << target << ": " << response.body;
        if (response.status != status) return;
        EXPECT_EQ(error_code(response), code) << target;
        const std::string message(json_of(response).at("error").at("message").as_string());
        EXPECT_NE(message.find(named), std::string::npos) << target << ": " << message;
    };
    const std::string list = "/api/v1/emotions";
    expect_error(list + "?days=7&from=2026-01-01", 400, "invalid_query", "days");
    expect_error(list + "?to=2026-01-01&days=7", 400, "invalid_query", "days");
    for (const char* bad :
         {"yesterday", "2026-13-01", "2026-02-30", "2026-01-02T03:04:05", "2026-01-02T25:00:00Z",
          "2026-01-02T03:04Z", "1767225600", "2026-01-02T03:04:05.Z", "2026-01-02T03:04:05+0200",
          "2026-01-02T03:04:05Z+", "26-01-02", "2026-1-2", ""}) {
        expect_error(list + "?from=" + bad, 422, "invalid_field", "\"from\"");
        expect_error(list + "?to=" + bad, 422, "invalid_field", "\"to\"");
    }
    expect_error(list + "?from=2026-02-01&to=2026-01-01", 422, "invalid_field", "before");
    expect_error(list + "?from=2026-01-01&to=2026-01-01", 422, "invalid_field", "before");
    for (const char* limit : {"0", "1001", "ten"}) {
        expect_error(list + "?limit=" + limit, 422, "invalid_field", "limit");
    }
    for (const char* days : {"0", "366", "-1", "7.5"}) {
        expect_error(list + "?days=" + days, 422, "invalid_field", "days");
        expect_error(list + "/summary?days=" + days, 422, "invalid_field", "days");
    }
    expect_error(list + "?since=2026-01-01", 400, "invalid_query", "since");
    expect_error(list + "/summary?from=2026-01-01", 400, "invalid_query", "from");
    // A leap day that exists is fine.
    EXPECT_EQ(api_->get(list + "?from=2028-02-29&to=2028-03-01T00:00:00.5Z", token_).status, 200u);
}

TEST_P(EmotionsApi, TheSummaryComparesTheLastDaysWithTheDaysBeforeAndNamesTheTrend) {
    // This week: three joyful messages and a neutral one; the week before: two sad ones.
    seed(user_id_, "joy", 0.8, 0.6, 12h);
    seed(user_id_, "joy", 0.8, 0.6, 60h);
    seed(user_id_, "joy", 0.8, 0.6, 84h);
    seed(user_id_, "neutral", 0, 0, 100h);
    seed(user_id_, "sadness", -0.6, 0.5, 200h);
    seed(user_id_, "sadness", -0.6, 0.5, 220h);
    seed(user_id_, "anger", -0.9, 0.9, 20 * 24h);  // in neither period
    // Someone else's week went the other way; it never mixes in.
    const auto other_token = api_->token_for("having_a_bad_week");
    const auto other = user_of(other_token);
    seed(other, "sadness", -0.6, 0.7, 12h);
    seed(other, "joy", 0.8, 0.6, 200h);

    const auto week = get_ok("/api/v1/emotions/summary");
    EXPECT_EQ(week.at("days").as_int64(), 7);
    const auto& current = week.at("current").as_object();
    EXPECT_EQ(current.at("count").as_int64(), 4);
    const auto& shares = current.at("distribution").as_object();
    EXPECT_EQ(shares.size(), 9u);
    for (const char* emotion : kEmotions) EXPECT_TRUE(shares.contains(emotion)) << emotion;
    EXPECT_DOUBLE_EQ(shares.at("joy").as_double(), 0.75);
    EXPECT_DOUBLE_EQ(shares.at("neutral").as_double(), 0.25);
    EXPECT_DOUBLE_EQ(shares.at("sadness").as_double(), 0);
    EXPECT_NEAR(current.at("average_valence").as_double(), 0.6, 1e-9);
    EXPECT_NEAR(current.at("average_intensity").as_double(), 0.45, 1e-9);
    EXPECT_EQ(current.at("dominant_emotion").as_string(), "joy");
    const auto& previous = week.at("previous").as_object();
    EXPECT_EQ(previous.at("count").as_int64(), 2);
    EXPECT_DOUBLE_EQ(previous.at("distribution").at("sadness").as_double(), 1);
    EXPECT_NEAR(previous.at("average_valence").as_double(), -0.6, 1e-9);
    EXPECT_EQ(previous.at("dominant_emotion").as_string(), "sadness");
    EXPECT_EQ(previous.at("to"), current.at("from"));
    EXPECT_NEAR(week.at("valence_change").as_double(), 1.2, 1e-9);
    EXPECT_EQ(week.at("trend").as_string(), "improving");
    EXPECT_DOUBLE_EQ(week.at("trend_threshold").as_double(), 0.1);

    const auto theirs = get_ok("/api/v1/emotions/summary?days=7", other_token);
    EXPECT_EQ(theirs.at("current").at("count").as_int64(), 1);
    EXPECT_EQ(theirs.at("previous").at("count").as_int64(), 1);
    EXPECT_NEAR(theirs.at("valence_change").as_double(), -1.4, 1e-9);
    EXPECT_EQ(theirs.at("trend").as_string(), "declining");

    // A day with nothing the day before: no trend to tell.
    const auto day = get_ok("/api/v1/emotions/summary?days=1");
    EXPECT_EQ(day.at("current").at("count").as_int64(), 1);
    EXPECT_EQ(day.at("previous").at("count").as_int64(), 0);
    EXPECT_TRUE(day.at("previous").at("average_valence").is_null());
    EXPECT_TRUE(day.at("previous").at("dominant_emotion").is_null());
    EXPECT_TRUE(day.at("valence_change").is_null());
    EXPECT_EQ(day.at("trend").as_string(), "insufficient_data");

    // Three days against the three before: joy (0.8, 0.8) against joy and neutral (0.8, 0).
    const auto three = get_ok("/api/v1/emotions/summary?days=3");
    EXPECT_EQ(three.at("current").at("count").as_int64(), 2);
    EXPECT_EQ(three.at("previous").at("count").as_int64(), 2);
    EXPECT_NEAR(three.at("valence_change").as_double(), 0.4, 1e-9);
    EXPECT_EQ(three.at("trend").as_string(), "improving");
}

TEST_P(EmotionsApi, SomeoneWithoutRecordsGetsAnEmptyTimelineAndNoTrend) {
    const auto body = get_ok("/api/v1/emotions");
    EXPECT_TRUE(body.at("emotions").as_array().empty());
    EXPECT_EQ(body.at("truncated").as_bool(), false);
    const auto summary = get_ok("/api/v1/emotions/summary?days=30");
    for (const char* period : {"current", "previous"}) {
        const auto& p = summary.at(period).as_object();
        EXPECT_EQ(p.at("count").as_int64(), 0);
        EXPECT_EQ(p.at("distribution").as_object().size(), 9u);
        for (const auto& share : p.at("distribution").as_object()) {
            EXPECT_EQ(share.value().to_number<double>(), 0.0);
        }
        EXPECT_TRUE(p.at("average_valence").is_null());
        EXPECT_TRUE(p.at("average_intensity").is_null());
        EXPECT_TRUE(p.at("dominant_emotion").is_null());
    }
    EXPECT_EQ(summary.at("trend").as_string(), "insufficient_data");
}

INSTANTIATE_TEST_SUITE_P(Backends, EmotionsApi, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace companion::testing
