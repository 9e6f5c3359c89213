// The HTTP layer seen from outside: routing errors, limits, timeouts, HEAD/OPTIONS, headers.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <thread>

#include "support/http_client.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;

boost::json::object error_of(const HttpResponse& response) {
    return boost::json::parse(response.body).as_object().at("error").as_object();
}

class HttpServer : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        service_ = new Service(Env{{"MAX_REQUEST_BODY_BYTES", "2048"},
                                {"HTTP_MAX_HEADER_BYTES", "4096"},
                                {"HTTP_READ_TIMEOUT_SECONDS", "1"},
                                {"HTTP_KEEPALIVE_TIMEOUT_SECONDS", "2"}});
    }
    static void TearDownTestSuite() {
        delete service_;
        service_ = nullptr;
    }
    static std::uint16_t port() { return service_->port(); }
    static Service* service_;
};

Service* HttpServer::service_ = nullptr;

TEST_F(HttpServer, UnknownPathIs404WithJsonErrorShape) {
    HttpClient client(port());
    const auto response = client.get("/no/such/path");
    EXPECT_EQ(response.status, 404u);
    EXPECT_EQ(response.header("content-type"), "application/json");
    const auto error = error_of(response);
    EXPECT_EQ(error.at("code").as_string(), "not_found");
    EXPECT_FALSE(error.at("message").as_string().empty());
    EXPECT_EQ(error.at("request_id").as_string(), response.header("x-request-id"));
}

TEST_F(HttpServer, WrongMethodIs405WithAllowHeader) {
    HttpClient client(port());
    const auto response = client.request("POST", "/health", {}, "{}");
    EXPECT_EQ(response.status, 405u);
    EXPECT_EQ(response.header("allow"), "GET, HEAD, OPTIONS");
    EXPECT_EQ(error_of(response).at("code").as_string(), "method_not_allowed");
}

TEST_F(HttpServer, UnknownMethodIs405OnAnExistingPath) {
    HttpClient client(port());
    client.send_raw("BREW /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    const auto response = client.read_response();
    EXPECT_EQ(response.status, 405u);
    EXPECT_EQ(response.header("allow"), "GET, HEAD, OPTIONS");
}

TEST_F(HttpServer, BodyOverLimitIs413AndConnectionClosesCleanly) {
    HttpClient client(port());
    const auto response = client.request("POST", "/health", {}, std::string(4096, 'x'));
    EXPECT_EQ(response.status, 413u);
    EXPECT_EQ(error_of(response).at("code").as_string(), "request_too_large");
    EXPECT_FALSE(response.keep_alive);
    EXPECT_TRUE(client.closed_by_peer(3s));
}

TEST_F(HttpServer, ChunkedBodyOverLimitIs413) {
    HttpClient client(port());
    std::string chunk(1500, 'y');
    client.send_raw("POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; ++i) client.send_raw("5dc\r\n" + chunk + "\r\n");
    client.send_raw("0\r\n\r\n");
    const auto response = client.read_response();
    EXPECT_EQ(response.status, 413u);
    EXPECT_EQ(error_of(response).at("code").as_string(), "request_too_large");
}

TEST_F(HttpServer, BodyWithinLimitIsRead) {
    HttpClient client(port());
    const auto response = client.request("POST", "/health", {}, std::string(2000, 'x'));
    EXPECT_EQ(response.status, 405u);  // read whole, then routed
    EXPECT_TRUE(response.keep_alive);
    EXPECT_EQ(client.get("/health").status, 200u);
}

TEST_F(HttpServer, ExpectContinueOverLimitIsRefusedBeforeTheBodyIsSent) {
    HttpClient client(port());
    client.send_raw(
        "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n");
    const auto response = client.read_response();
    EXPECT_EQ(response.status, 413u);
}

TEST_F(HttpServer, OversizedHeaderIs431) {
    HttpClient client(port());
    const auto response = client.get("/health", {{"X-Padding", std::string(8000, 'p')}});
    EXPECT_EQ(response.status, 431u);
    EXPECT_EQ(error_of(response).at("code").as_string(), "request_header_too_large");
}

TEST_F(HttpServer, MalformedRequestIs400) {
    HttpClient client(port());
    client.send_raw("GET /health HTTP/1.1\r\nHost x-missing-colon\r\n\r\n");
    const auto response = client.read_response();
    EXPECT_EQ(response.status, 400u);
    EXPECT_EQ(error_of(response).at("code").as_string(), "bad_request");
}

TEST_F(HttpServer, KeepAliveServesManyRequestsOnOneConnection) {
    HttpClient client(port());
    for (int i = 0; i < 5; ++i) {
        const auto response = client.get("/health");
        EXPECT_EQ(response.status, 200u);
        EXPECT_TRUE(response.keep_alive);
    }
}

TEST_F(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
    HttpClient client(port());
    client.send_raw(
        "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(client.read_response().status, 200u);
    EXPECT_EQ(client.read_response().status, 404u);
}

TEST_F(HttpServer, ConnectionCloseIsHonoured) {
    HttpClient client(port());
    const auto response = client.get("/health", {{"Connection", "close"}});
    EXPECT_EQ(response.status, 200u);
    EXPECT_FALSE(response.keep_alive);
    EXPECT_TRUE(client.closed_by_peer(2s));
}

TEST_F(HttpServer, HeadAnswersGetHeadersWithoutBody) {
    HttpClient client(port());
    const auto get = client.get("/ready");
    const auto head = client.request("HEAD", "/ready");
    EXPECT_EQ(head.status, 200u);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size()));
    EXPECT_EQ(head.header("content-type"), get.header("content-type"));
    EXPECT_EQ(client.get("/health").status, 200u);  // the connection stays in sync
}

TEST_F(HttpServer, OptionsListsAllowedMethods) {
    HttpClient client(port());
    const auto response = client.request("OPTIONS", "/metrics");
    EXPECT_EQ(response.status, 204u);
    EXPECT_EQ(response.header("allow"), "GET, HEAD, OPTIONS");
    EXPECT_TRUE(response.body.empty());
}

TEST_F(HttpServer, SecurityHeadersAreSet) {
    HttpClient client(port());
    const auto response = client.get("/health");
    EXPECT_EQ(response.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(response.header("x-frame-options"), "DENY");
    EXPECT_EQ(response.header("referrer-policy"), "no-referrer");
    EXPECT_FALSE(response.header("content-security-policy").empty());
    EXPECT_EQ(response.header("cache-control"), "no-store");
    EXPECT_FALSE(response.header("date").empty());
}

TEST_F(HttpServer, RequestIdIsEchoedWhenSane) {
    HttpClient client(port());
    const auto response = client.get("/health", {{"X-Request-ID", "trace-42.a_b:c"}});
    EXPECT_EQ(response.header("x-request-id"), "trace-42.a_b:c");
}

TEST_F(HttpServer, RequestIdIsGeneratedWhenMissingOrUnsafe) {
    HttpClient client(port());
    const auto generated = client.get("/health").header("x-request-id");
    EXPECT_EQ(generated.size(), 32u);
    EXPECT_EQ(generated.find_first_not_of("0123456789abcdef"), std::string::npos);
    const auto replaced = client.get("/health", {{"X-Request-ID", "bad id\"<script>"}});
    EXPECT_NE(replaced.header("x-request-id"), "bad id\"<script>");
    EXPECT_EQ(replaced.header("x-request-id").size(), 32u);
    EXPECT_NE(client.get("/health").header("x-request-id"), generated);
}

TEST_F(HttpServer, SlowClientIsCutOffAfterReadTimeout) {
    HttpClient client(port());
    client.send_raw("GET /health HTTP/1.1\r\nHost: x\r\n");  // never finishes the header
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.closed_by_peer(5s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
}

TEST_F(HttpServer, IdleKeepAliveConnectionIsClosedAfterTimeout) {
    HttpClient client(port());
    EXPECT_EQ(client.get("/health").status, 200u);
    EXPECT_FALSE(client.closed_by_peer(1s));  // still open within the timeout
    EXPECT_TRUE(client.closed_by_peer(4s));
}

TEST_F(HttpServer, AccessLogNamesRouteStatusAndRequestId) {
    HttpClient client(port());
    client.get("/health", {{"X-Request-ID", "access-log-check"}});
    std::string log;
    for (int i = 0; i < 40 && log.find("access-log-check") == std::string::npos; ++i) {
        std::this_thread::sleep_for(100ms);  // the logger flushes at least once a second
        log = service_->stdout_text();
    }
    const auto line_start = log.rfind('\n', log.find("access-log-check")) + 1;
    const auto line = log.substr(line_start, log.find('\n', line_start) - line_start);
    EXPECT_NE(line.find("route=/health"), std::string::npos) << line;
    EXPECT_NE(line.find("status=200"), std::string::npos) << line;
    EXPECT_NE(line.find("method=GET"), std::string::npos) << line;
    EXPECT_NE(line.find("duration_ms="), std::string::npos) << line;
}

}  // namespace
}  // namespace companion::testing
