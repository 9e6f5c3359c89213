// The command line and start-up refusals of the real binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/http_client.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

const std::string strong_secret = "k7Qw9zX2pL4vB8nR1tY6uE3iO5aS0dF7gH2jK9lZ";

std::map<std::string, std::string> valid_production() {
    return {{"ENVIRONMENT", "production"},
            {"JWT_SECRET_KEY", strong_secret},
            {"CORS_ORIGINS", "https://app.example.com"}};
}

std::string one_line(const std::string& text) { return text.substr(0, text.find('\n')); }

TEST(Cli, VersionPrintsProjectVersion) {
    const auto result = run_companion({"version"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.out, std::string("companion ") + COMPANION_VERSION + "\n");
}

TEST(Cli, HelpWorksForEveryCommand) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--help"}, {"serve", "--help"}, {"check-config", "--help"},
          {"version", "--help"}}) {
        const auto result = run_companion(args);
        EXPECT_EQ(result.exit_code, 0) << args[0];
        EXPECT_NE(result.out.find("Usage"), std::string::npos) << result.out;
    }
    const auto serve_help = run_companion({"serve", "--help"});
    EXPECT_NE(serve_help.out.find("--env-file"), std::string::npos);
    EXPECT_NE(serve_help.out.find("--port"), std::string::npos);
}

TEST(Cli, UnknownCommandFails) {
    const auto result = run_companion({"frobnicate"});
    EXPECT_NE(result.exit_code, 0);
}

TEST(Startup, MalformedValueStopsWithOneLineNamingVariableAndValue) {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"PORT", "abc"}, {"MEMORY_SIMILARITY_THRESHOLD", "1.5"}, {"JWT_ALGORITHM", "none"}};
    for (const auto& [name, value] : bad) {
        const auto result = run_companion({"serve"}, {{name, value}});
        EXPECT_EQ(result.exit_code, 1) << name;
        const auto line = one_line(result.err);
        EXPECT_NE(line.find(name), std::string::npos) << result.err;
        EXPECT_NE(line.find(value), std::string::npos) << result.err;
        EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "exactly one line: " << result.err;
    }
}

TEST(Startup, ProductionRefusesDefaultSecret) {
    auto env = valid_production();
    env.erase("JWT_SECRET_KEY");
    const auto result = run_companion({"serve", "--port", "0"}, env);
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find("JWT_SECRET_KEY is using default value!"), std::string::npos)
        << result.err;
}

TEST(Startup, ProductionRefusesShortSecretDisabledAuthAndWildcardCors) {
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"JWT_SECRET_KEY", "short-secret"},
             {"REQUIRE_AUTHENTICATION", "false"},
             {"CORS_ORIGINS", "*"},
             {"CORS_ORIGINS", ""}}) {
        auto env = valid_production();
        env[name] = value;
        const auto result = run_companion({"serve", "--port", "0"}, env);
        EXPECT_NE(result.exit_code, 0) << name << "=" << value;
        EXPECT_NE(result.err.find("refusing to start in production"), std::string::npos)
            << result.err;
        EXPECT_EQ(result.err.find("short-secret"), std::string::npos) << "secret leaked";
    }
}

TEST(Startup, ProductionStartsWithSafeSettingsAndLogsJsonLines) {
    const auto data_dir = std::filesystem::temp_directory_path() / "companion-cli-production";
    auto env = valid_production();
    env["DATA_DIR"] = data_dir.string();
    ASSERT_EQ(run_companion({"migrate", "up"}, env).exit_code, 0);  // production only checks
    Service service(env);
    HttpClient client(service.port());
    EXPECT_EQ(client.get("/health", {{"X-Request-ID", "json-log-check"}}).status, 200u);
    service.signal(SIGTERM);
    ASSERT_EQ(service.wait_exit(std::chrono::seconds(10)), 0);
    const auto log = service.stdout_text();
    const auto at = log.find("json-log-check");
    ASSERT_NE(at, std::string::npos) << log;
    const auto start = log.rfind('\n', at) + 1;
    const auto line = log.substr(start, log.find('\n', at) - start);
    EXPECT_EQ(line.front(), '{');
    for (const char* key : {"\"timestamp\":", "\"level\":\"info\"", "\"message\":\"request\"",
                            "\"request_id\":\"json-log-check\"", "\"method\":\"GET\"",
                            "\"route\":\"/health\"", "\"status\":200", "\"duration_ms\":"}) {
        EXPECT_NE(line.find(key), std::string::npos) << key << " in " << line;
    }
    EXPECT_EQ(log.find(strong_secret), std::string::npos) << "secret leaked into the log";
    std::filesystem::remove_all(data_dir);
}

TEST(Startup, ProductionWarnsButStartsOnWeakDatabasePassword) {
    auto env = valid_production();
    env["POSTGRES_URL"] = "postgresql+asyncpg://ai_service:postgres@db.example:5432/ai_companion";
    const auto result = run_companion({"check-config"}, env);
    EXPECT_EQ(result.exit_code, 0) << result.out;
    EXPECT_NE(result.out.find("[WARN]"), std::string::npos) << result.out;
}

TEST(Startup, PortInUseIsAClearError) {
    Service first;
    const auto result = run_companion(
        {"serve", "--host", "127.0.0.1", "--port", std::to_string(first.port())});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << result.err;
}

TEST(CheckConfig, PrintsEverySettingWithSecretsMasked) {
    auto env = valid_production();
    env["POSTGRES_URL"] = "postgresql://svc:Sup3r-Secret-Passw0rd-42@db:5432/companion";
    const auto result = run_companion({"check-config"}, env);
    EXPECT_EQ(result.exit_code, 0) << result.out;
    for (const char* name :
         {"ENVIRONMENT", "HOST", "PORT", "REQUIRE_AUTHENTICATION", "JWT_SECRET_KEY",
          "JWT_ALGORITHM", "JWT_EXPIRATION_HOURS", "POSTGRES_URL", "POSTGRES_POOL_SIZE",
          "POSTGRES_MAX_OVERFLOW", "LM_STUDIO_BASE_URL", "LM_STUDIO_MODEL_NAME",
          "LM_STUDIO_TEMPERATURE", "LM_STUDIO_MAX_TOKENS", "REDIS_URL", "REDIS_ENABLED",
          "CORS_ORIGINS", "RATE_LIMIT_REQUESTS_PER_MINUTE", "RATE_LIMIT_FAIL_OPEN_SECONDS", "LOG_LEVEL", "MAX_MESSAGE_LENGTH",
          "MAX_REQUEST_BODY_BYTES", "SHORT_TERM_MEMORY_SIZE", "LONG_TERM_MEMORY_TOP_K",
          "MEMORY_SIMILARITY_THRESHOLD", "WORKER_THREADS", "SHUTDOWN_GRACE_SECONDS", "DATA_DIR"}) {
        EXPECT_NE(result.out.find(std::string("  ") + name + " "), std::string::npos) << name;
    }
    EXPECT_EQ(result.out.find(strong_secret), std::string::npos) << "JWT secret shown";
    EXPECT_EQ(result.out.find("Sup3r-Secret-Passw0rd-42"), std::string::npos) << "password shown";
    EXPECT_NE(result.out.find("[PASS]"), std::string::npos);
}

TEST(CheckConfig, FailsInProductionWithTheSameVerdicts) {
    auto env = valid_production();
    env.erase("JWT_SECRET_KEY");
    const auto result = run_companion({"check-config"}, env);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.out.find("[FAIL] JWT_SECRET_KEY is using default value!"), std::string::npos)
        << result.out;
}

TEST(CheckConfig, ReadsEnvFileWithEnvironmentTakingPrecedence) {
    const auto path = std::filesystem::temp_directory_path() / "companion-cli-test.env";
    std::ofstream(path) << "# test settings\nexport LM_STUDIO_MODEL_NAME=\"from-file\"\n"
                           "SHORT_TERM_MEMORY_SIZE=7 # inline comment\nLOG_LEVEL=DEBUG\n"
                           "NOT_A_SETTING=1\n";
    const auto result =
        run_companion({"check-config", "--env-file", path.string()}, {{"LOG_LEVEL", "ERROR"}});
    std::filesystem::remove(path);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("from-file"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("SHORT_TERM_MEMORY_SIZE"), std::string::npos);
    EXPECT_NE(result.out.find("ERROR"), std::string::npos);
    EXPECT_NE(result.out.find("NOT_A_SETTING"), std::string::npos);
}

TEST(CheckConfig, MissingEnvFileIsAnError) {
    const auto result = run_companion({"check-config", "--env-file", "/nonexistent/.env"});
    EXPECT_NE(result.exit_code, 0);
}

}  // namespace
}  // namespace companion::testing
