// The LLM client inside the real companion binary: /health's llm field follows the LLM server,
// the llm metrics are exposed, and a bad LLM setting stops the start with a message naming it.
#include <gtest/gtest.h>

#include <filesystem>

#include <boost/json.hpp>

#include "support/async.hpp"
#include "support/fake_llm.hpp"
#include "support/http_client.hpp"
#include "support/service.hpp"
#include "support/tools.hpp"

namespace companion::testing {
namespace {

namespace json = boost::json;

json::object health(const Service& service) {
    return json::parse(HttpClient(service.port()).get("/health").body).as_object();
}

TEST(LlmHealth, FollowsTheLlmServerGoingUpAndDown) {
    FakeLlm fake;
    Service service(
        Env{{"LM_STUDIO_BASE_URL", fake.base_url()}, {"LLM_PROBE_INTERVAL_SECONDS", "0.2"}});
    EXPECT_TRUE(
        eventually([&] { return health(service).at("llm") == true; }, std::chrono::seconds(10)));
    EXPECT_EQ(health(service).at("status"), "healthy");
    EXPECT_EQ(fake.requests().back().at("path"), "/v1/models");

    fake.stop();
    EXPECT_TRUE(
        eventually([&] { return health(service).at("llm") == false; }, std::chrono::seconds(10)));
    EXPECT_EQ(health(service).at("status"), "degraded");

    fake.start();
    EXPECT_TRUE(
        eventually([&] { return health(service).at("llm") == true; }, std::chrono::seconds(10)));
}

TEST(LlmHealth, IsFalseWhenNothingListensAtTheBaseUrl) {
    Service service(
        Env{{"LM_STUDIO_BASE_URL", "http://127.0.0.1:" + std::to_string(free_port()) + "/v1"}});
    const auto body = health(service);
    EXPECT_EQ(body.at("llm"), false);
    EXPECT_EQ(body.at("status"), "degraded");
}

TEST(LlmHealth, TheProbeSendsTheApiKeyAndTheKeyNeverReachesTheLogs) {
    FakeLlm fake;
    fake.configure(R"({"require_api_key": "sk-never-logged-4242"})");
    Service service(Env{{"LM_STUDIO_BASE_URL", fake.base_url()},
                        {"LM_STUDIO_API_KEY", "sk-never-logged-4242"},
                        {"LOG_LEVEL", "DEBUG"}});
    EXPECT_TRUE(
        eventually([&] { return health(service).at("llm") == true; }, std::chrono::seconds(10)));
    EXPECT_EQ(fake.requests().back().at("headers").at("authorization"),
              "Bearer sk-never-logged-4242");
    const auto check =
        run_companion({"check-config"}, {{"LM_STUDIO_API_KEY", "sk-never-logged-4242"}});
    EXPECT_NE(check.out.find("LM_STUDIO_API_KEY"), std::string::npos) << check.out;
    EXPECT_EQ(check.out.find("sk-never-logged-4242"), std::string::npos) << check.out;
    EXPECT_EQ(service.stdout_text().find("sk-never-logged"), std::string::npos);
    EXPECT_EQ(service.stderr_text().find("sk-never-logged"), std::string::npos);
}

TEST(LlmHealth, AWrongApiKeyMakesTheLlmUnhealthyAndIsLogged) {
    FakeLlm fake;
    fake.configure(R"({"require_api_key": "right-key"})");
    Service service(
        Env{{"LM_STUDIO_BASE_URL", fake.base_url()}, {"LM_STUDIO_API_KEY", "wrong-key"}});
    EXPECT_EQ(health(service).at("llm"), false);
    EXPECT_TRUE(eventually(
        [&] { return service.stdout_text().find("LLM server unreachable") != std::string::npos; },
        std::chrono::seconds(5)))
        << service.stdout_text();
    EXPECT_NE(service.stdout_text().find("401"), std::string::npos);
    EXPECT_EQ(service.stdout_text().find("wrong-key"), std::string::npos);
}

TEST(LlmMetrics, TheLlmFamiliesAreExposedFromTheFirstScrape) {
    Service service;
    const auto text = HttpClient(service.port()).get("/metrics").body;
    for (const char* line :
         {"# TYPE llm_requests_total counter", "# TYPE llm_request_duration_seconds histogram",
          "# TYPE llm_time_to_first_token_seconds histogram", "# TYPE llm_tokens_total counter",
          "llm_requests_total{status=\"success\"} 0", "llm_requests_total{status=\"timeout\"} 0",
          "llm_tokens_total{kind=\"prompt\"} 0", "llm_tokens_total{kind=\"completion\"} 0",
          "llm_request_duration_seconds_bucket{le=\"+Inf\"} 0"}) {
        EXPECT_NE(text.find(line), std::string::npos) << line;
    }
    const auto check = promtool_check_metrics(text);
    EXPECT_EQ(check.exit_code, 0) << check.output;
}

TEST(LlmSettingsAtStart, AnUnreadableCaFileStopsTheStartNamingIt) {
    const auto data_dir = std::filesystem::temp_directory_path() /
                          ("companion-llm-ca-" + std::to_string(free_port()));
    const auto result =
        run_companion({"serve", "--host", "127.0.0.1", "--port", std::to_string(free_port())},
                      {{"LM_STUDIO_BASE_URL", "https://llm.example.com/v1"},
                       {"LLM_CA_FILE", "/nonexistent/llm-ca.pem"},
                       {"DATA_DIR", data_dir.string()}});
    std::filesystem::remove_all(data_dir);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("LLM_CA_FILE=\"/nonexistent/llm-ca.pem\""), std::string::npos)
        << result.err;
}

TEST(LlmSettingsAtStart, ANonPositiveTimeoutStopsTheStartNamingIt) {
    const auto result =
        run_companion({"serve", "--host", "127.0.0.1", "--port", std::to_string(free_port())},
                      {{"LLM_TIMEOUT_SECONDS", "0"}});
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find("LLM_TIMEOUT_SECONDS=\"0\" is invalid"), std::string::npos)
        << result.err;
}

}  // namespace
}  // namespace companion::testing
