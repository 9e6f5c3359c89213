// How the real binary treats its database at start-up, on SQLite and on PostgreSQL:
// migrations from the command line, automatic migration in development, refusal in production,
// and an unreachable or late database.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <thread>

#include "support/http_client.hpp"
#include "support/postgres_admin.hpp"
#include "support/service.hpp"
#include "support/tools.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string strong_secret = "k7Qw9zX2pL4vB8nR1tY6uE3iO5aS0dF7gH2jK9lZ";

Env production(Env extra = {}) {
    extra.emplace("ENVIRONMENT", "production");
    extra.emplace("JWT_SECRET_KEY", strong_secret);
    extra.emplace("CORS_ORIGINS", "https://app.example.com");
    return extra;
}

class TempDir {
public:
    TempDir() : path_(fs::temp_directory_path() / ("companion-db-" + std::to_string(std::random_device{}()))) {
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    std::string str() const { return path_.string(); }

private:
    fs::path path_;
};

boost::json::object health_of(std::uint16_t port, unsigned* status = nullptr) {
    HttpClient client(port);
    const auto response = client.get("/health");
    if (status != nullptr) *status = response.status;
    return boost::json::parse(response.body).as_object();
}

void expect_migrate_cycle(const Env& env) {
    const auto before = run_companion({"migrate", "status"}, env);
    EXPECT_EQ(before.exit_code, 3) << before.out << before.err;
    EXPECT_NE(before.out.find("current version: 0"), std::string::npos) << before.out;
    EXPECT_NE(before.out.find("0001_initial_schema"), std::string::npos) << before.out;

    const auto up = run_companion({"migrate", "up"}, env);
    EXPECT_EQ(up.exit_code, 0) << up.err;
    EXPECT_NE(up.out.find("applied 0001_initial_schema"), std::string::npos) << up.out;

    const auto after = run_companion({"migrate", "status"}, env);
    EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
    EXPECT_NE(after.out.find("up to date"), std::string::npos) << after.out;

    const auto again = run_companion({"migrate", "up"}, env);
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("already up to date"), std::string::npos) << again.out;
}

TEST(MigrateCommand, UpAndStatusOnSqlite) {
    TempDir dir;
    expect_migrate_cycle({{"DATA_DIR", dir.str()}});
    EXPECT_TRUE(fs::exists(fs::path(dir.str()) / "companion.db"));
}

TEST(MigrateCommand, UpAndStatusOnPostgres) {
    ThrowawayDatabase database;
    expect_migrate_cycle({{"POSTGRES_URL", database.url()}});
}

TEST(MigrateCommand, AcceptsTheSqlalchemyUrlForm) {
    ThrowawayDatabase database;
    auto url = database.url();
    url.replace(0, std::string("postgresql://").size(), "postgresql+asyncpg://");
    const auto up = run_companion({"migrate", "up"}, {{"POSTGRES_URL", url}});
    EXPECT_EQ(up.exit_code, 0) << up.err;
}

TEST(DatabaseStartup, DevelopmentMigratesSqliteAndReportsTheDatabaseHealthy) {
    TempDir dir;
    Service service(Env{{"DATA_DIR", dir.str()}});
    unsigned status = 0;
    const auto health = health_of(service.port(), &status);
    EXPECT_EQ(status, 200u);
    EXPECT_TRUE(health.at("database").as_bool());
    const auto migrated = run_companion({"migrate", "status"}, {{"DATA_DIR", dir.str()}});
    EXPECT_EQ(migrated.exit_code, 0) << migrated.out;
}

TEST(DatabaseStartup, DevelopmentMigratesPostgres) {
    ThrowawayDatabase database;
    Service service(Env{{"POSTGRES_URL", database.url()}});
    EXPECT_TRUE(health_of(service.port()).at("database").as_bool());
    const auto status = run_companion({"migrate", "status"}, {{"POSTGRES_URL", database.url()}});
    EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
}

TEST(DatabaseStartup, ProductionRefusesAnOutOfDateSchemaAndNamesTheCommand) {
    TempDir dir;
    const auto result = run_companion({"serve", "--port", "0"}, production({{"DATA_DIR", dir.str()}}));
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("companion migrate up"), std::string::npos) << result.err;
}

TEST(DatabaseStartup, ProductionStartsOnAMigratedSchema) {
    ThrowawayDatabase database;
    const Env env = production({{"POSTGRES_URL", database.url()}});
    ASSERT_EQ(run_companion({"migrate", "up"}, env).exit_code, 0);
    Service service(env);
    unsigned status = 0;
    EXPECT_TRUE(health_of(service.port(), &status).at("database").as_bool());
    EXPECT_EQ(status, 200u);
}

TEST(DatabaseStartup, ProductionExitsWithOneLineWhenPostgresIsUnreachable) {
    const auto result = run_companion(
        {"serve", "--port", "0"},
        production({{"POSTGRES_URL", "postgresql://companion:Xy7-long-password-42@127.0.0.1:1/db"}}));
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("127.0.0.1"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("Xy7-long-password-42"), std::string::npos) << "password leaked";
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST(DatabaseStartup, DevelopmentServesUnhealthyUntilTheDatabaseAppears) {
    const std::string name = "companion_late_" + std::to_string(std::random_device{}());
    auto url = test_postgres_url();
    url = url.substr(0, url.rfind('/') + 1) + name;
    Service service(Env{{"POSTGRES_URL", url}}, {}, Service::Wait::listening);
    unsigned status = 0;
    EXPECT_FALSE(health_of(service.port(), &status).at("database").as_bool());
    EXPECT_EQ(status, 503u);
    HttpClient client(service.port());
    EXPECT_EQ(client.get("/ready").status, 503u);

    admin_execute("CREATE DATABASE " + name + " OWNER companion");
    bool ready = false;
    for (int i = 0; i < 100 && !ready; ++i) {
        std::this_thread::sleep_for(100ms);
        ready = HttpClient(service.port()).get("/ready").status == 200;
    }
    EXPECT_TRUE(ready) << service.stdout_text();
    bool healthy = false;  // /health caches its checks for two seconds
    for (int i = 0; i < 50 && !healthy; ++i) {
        healthy = health_of(service.port()).at("database").as_bool();
        if (!healthy) std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(healthy);
    service.signal(SIGTERM);
    EXPECT_EQ(service.wait_exit(10s), 0);
    admin_execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

TEST(DatabaseStartup, UnwritableDataDirIsAClearError) {
    const auto result = run_companion({"migrate", "up"}, {{"DATA_DIR", "/dev/null/companion"}});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("/dev/null/companion"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace companion::testing

namespace companion::testing {
namespace {

const std::vector<std::string> guide_indexes = {
    "ix_memories_user_id", "ix_memories_conversation_id", "ix_conversations_user_id",
    "ix_emotion_history_user_id", "ix_goals_user_id"};

TEST(Schema, PostgresHasTheIndexesTheDeploymentGuideNamesAndPgvector) {
    ThrowawayDatabase database;
    ASSERT_EQ(run_companion({"migrate", "up"}, {{"POSTGRES_URL", database.url()}}).exit_code, 0);
    const auto indexes = query_column(database.url(), "SELECT indexname FROM pg_indexes");
    for (const auto& index : guide_indexes) {
        EXPECT_NE(std::find(indexes.begin(), indexes.end(), index), indexes.end()) << index;
    }
    EXPECT_EQ(query_column(database.url(),
                           "SELECT extname FROM pg_extension WHERE extname = 'vector'").size(),
              1u);
    EXPECT_EQ(query_column(database.url(),
                           "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                           "WHERE attrelid = 'memories'::regclass AND attname = 'embedding'"),
              std::vector<std::string>{"vector"});
}

TEST(Schema, SqliteHasTheIndexesTheDeploymentGuideNames) {
    TempDir dir;
    ASSERT_EQ(run_companion({"migrate", "up"}, {{"DATA_DIR", dir.str()}}).exit_code, 0);
    const auto listed = run_tool("sqlite3 '" + dir.str() +
                                 "/companion.db' \"SELECT name FROM sqlite_master WHERE type = "
                                 "'index'\"");
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    for (const auto& index : guide_indexes) {
        EXPECT_NE(listed.output.find(index + "\n"), std::string::npos) << index;
    }
}

}  // namespace
}  // namespace companion::testing

namespace companion::testing {
namespace {

TEST(DatabaseStartup, UrlThatLibpqRefusesIsAClearErrorNotACrash) {
    const auto result = run_companion(
        {"migrate", "up"}, {{"POSTGRES_URL", "postgresql://companion@127.0.0.1:1/db?foo=bar"}});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("POSTGRES_URL"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace companion::testing
