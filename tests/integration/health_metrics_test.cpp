// /health, /ready and /metrics from outside, the exposition checked by Prometheus' promtool.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/service.hpp"
#include "support/tools.hpp"

namespace companion::testing {
namespace {

TEST(Health, ReportsStatusVersionComponentsAndUptime) {
    Service service;
    HttpClient client(service.port());
    const auto response = client.get("/health");
    ASSERT_EQ(response.status, 200u);
    EXPECT_EQ(response.header("content-type"), "application/json");
    const auto body = boost::json::parse(response.body).as_object();
    const std::string status(body.at("status").as_string());
    EXPECT_TRUE(status == "healthy" || status == "degraded") << status;
    EXPECT_EQ(body.at("version").as_string(), COMPANION_VERSION);
    EXPECT_TRUE(body.at("database").is_bool());
    EXPECT_TRUE(body.at("llm").is_bool());
    EXPECT_TRUE(body.at("redis").is_null());  // REDIS_ENABLED=false
    EXPECT_GE(body.at("uptime_seconds").to_number<double>(), 0.0);
}

TEST(Health, ReportsRedisAsBooleanWhenEnabled) {
    Service service(Env{{"REDIS_ENABLED", "true"}, {"REDIS_URL", "redis://127.0.0.1:1/0"}});
    HttpClient client(service.port());
    const auto body = boost::json::parse(client.get("/health").body).as_object();
    EXPECT_TRUE(body.at("redis").is_bool());
}

TEST(Ready, IsReadyOnceListening) {
    Service service;
    HttpClient client(service.port());
    const auto response = client.get("/ready");
    EXPECT_EQ(response.status, 200u);
    const auto body = boost::json::parse(response.body).as_object();
    EXPECT_EQ(body.at("ready").as_bool(), true);
    EXPECT_EQ(body.at("state").as_string(), "ready");
}

TEST(Metrics, ExpositionPassesPromtoolAndHasTheDocumentedMetrics) {
    Service service;
    HttpClient client(service.port());
    client.get("/health");
    client.get("/nope");
    const auto response = client.get("/metrics");
    ASSERT_EQ(response.status, 200u);
    EXPECT_EQ(response.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");

    const auto check = promtool_check_metrics(response.body);
    EXPECT_EQ(check.exit_code, 0) << check.output;
    EXPECT_EQ(check.output.find("error"), std::string::npos) << check.output;

    const auto& text = response.body;
    for (const char* name :
         {"# TYPE http_requests_total counter", "# TYPE http_request_duration_seconds histogram",
          "# TYPE http_requests_in_progress gauge", "# TYPE llm_requests_total counter",
          "# TYPE memory_retrievals_total counter", "process_resident_memory_bytes ",
          "process_cpu_seconds_total ", "process_open_fds ", "process_start_time_seconds "}) {
        EXPECT_NE(text.find(name), std::string::npos) << name;
    }
    EXPECT_NE(text.find(R"(http_requests_total{method="GET",endpoint="/health",status="200"} 1)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(R"(http_request_duration_seconds_bucket{endpoint="/health",le="+Inf"} 1)"),
              std::string::npos)
        << text;
}

TEST(Metrics, EndpointLabelIsTheRouteTemplateNeverTheRawPath) {
    Service service;
    HttpClient client(service.port());
    client.get("/some/unknown/path-7f3a9");
    const auto text = client.get("/metrics").body;
    EXPECT_EQ(text.find("path-7f3a9"), std::string::npos);
    EXPECT_NE(text.find(R"(endpoint="unmatched",status="404")"), std::string::npos) << text;
}

TEST(Metrics, HeadOfMetricsIsServed) {
    Service service;
    HttpClient client(service.port());
    const auto response = client.request("HEAD", "/metrics");
    EXPECT_EQ(response.status, 200u);
    EXPECT_TRUE(response.body.empty());
}

}  // namespace
}  // namespace companion::testing

namespace companion::testing {
namespace {

std::string required(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        throw std::runtime_error(std::string(name) + " is not set: run scripts/services.sh up");
    }
    return value;
}

// Clients connected to the test Redis other than the redis-cli asking.
int redis_clients() {
    const auto info = run_tool(required("COMPANION_TEST_REDIS_CLI") + " INFO clients");
    const auto at = info.output.find("connected_clients:");
    if (at == std::string::npos) throw std::runtime_error("no INFO from Redis: " + info.output);
    return std::stoi(info.output.substr(at + 18)) - 1;
}

TEST(Health, ChecksRedisWithPingWhenEnabled) {
    Service service(Env{{"REDIS_ENABLED", "true"},
                        {"REDIS_URL", required("COMPANION_TEST_REDIS_URL")}});
    HttpClient client(service.port());
    const auto response = client.get("/health");
    const auto body = boost::json::parse(response.body).as_object();
    EXPECT_EQ(body.at("redis"), boost::json::value(true)) << response.body;
    EXPECT_EQ(response.status, 200u);
}

TEST(Health, DisabledRedisIsNeverConnected) {
    const int before = redis_clients();
    Service service(Env{{"REDIS_ENABLED", "false"},
                        {"REDIS_URL", required("COMPANION_TEST_REDIS_URL")}});
    HttpClient client(service.port());
    EXPECT_TRUE(boost::json::parse(client.get("/health").body).at("redis").is_null());
    EXPECT_EQ(redis_clients(), before);
}

TEST(Health, UnsupportedRedisTlsUrlStopsStartWithAClearMessage) {
    const auto result = run_companion(
        {"serve", "--port", "0"}, {{"REDIS_ENABLED", "true"}, {"REDIS_URL", "rediss://cache:6380/0"}});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("rediss://"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace companion::testing
