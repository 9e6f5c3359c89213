// Graceful shutdown on SIGTERM/SIGINT: in-flight requests finish, then exit code 0.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "support/http_client.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;

TEST(Shutdown, InFlightRequestFinishesThenProcessExitsZero) {
    Service service(Env{{"SHUTDOWN_GRACE_SECONDS", "10"}});
    HttpClient in_flight(service.port());
    in_flight.send_raw("GET /ready HTTP/1.1\r\nHost: x\r\n");  // the request has begun
    std::this_thread::sleep_for(200ms);
    service.signal(SIGTERM);
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(service.running()) << "must wait for the request in flight";
    in_flight.send_raw("\r\n");
    const auto response = in_flight.read_response();
    EXPECT_EQ(response.status, 503u);  // readiness reports the drain
    EXPECT_EQ(boost::json::parse(response.body).as_object().at("state").as_string(), "draining");
    EXPECT_FALSE(response.keep_alive);
    EXPECT_EQ(service.wait_exit(5s), 0);
}

TEST(Shutdown, IdleKeepAliveConnectionsDoNotDelayExit) {
    Service service(Env{{"SHUTDOWN_GRACE_SECONDS", "30"}});
    HttpClient idle(service.port());
    EXPECT_EQ(idle.get("/health").status, 200u);
    const auto started = std::chrono::steady_clock::now();
    service.signal(SIGINT);
    EXPECT_EQ(service.wait_exit(10s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_TRUE(idle.closed_by_peer(1s));
}

TEST(Shutdown, StopsAcceptingNewConnections) {
    Service service(Env{{"SHUTDOWN_GRACE_SECONDS", "10"}});
    HttpClient in_flight(service.port());
    in_flight.send_raw("GET /health HTTP/1.1\r\n");
    std::this_thread::sleep_for(100ms);
    service.signal(SIGTERM);
    std::this_thread::sleep_for(300ms);
    EXPECT_THROW(HttpClient(service.port()).get("/health"), std::exception);
    in_flight.send_raw("Host: x\r\n\r\n");
    EXPECT_EQ(in_flight.read_response().status, 200u);
    EXPECT_EQ(service.wait_exit(5s), 0);
}

TEST(Shutdown, GracePeriodBoundsTheWaitForUnfinishedRequests) {
    Service service(Env{{"SHUTDOWN_GRACE_SECONDS", "1"}, {"HTTP_READ_TIMEOUT_SECONDS", "60"}});
    HttpClient stuck(service.port());
    stuck.send_raw("GET /health HTTP/1.1\r\n");  // never completed
    std::this_thread::sleep_for(100ms);
    const auto started = std::chrono::steady_clock::now();
    service.signal(SIGTERM);
    EXPECT_EQ(service.wait_exit(10s), 0);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 5s);
}

}  // namespace
}  // namespace companion::testing
