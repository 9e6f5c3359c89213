#include "http/middleware.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "metrics/registry.hpp"

namespace companion::http {
namespace {

namespace asio = boost::asio;

Response run(const Handler& handler, Request& request) {
    asio::io_context io;
    auto future = asio::co_spawn(io, handler(request), asio::use_future);
    io.run();
    return future.get();
}

Handler throwing(std::exception_ptr error) {
    return [error](Request&) -> asio::awaitable<Response> {
        std::rethrow_exception(error);
        co_return Response{};
    };
}

TEST(Middleware, ChainRunsOuterLayersFirst) {
    std::string order;
    auto layer = [&order](char name) {
        return Middleware([&order, name](Request& request,
                                         const Handler& next) -> asio::awaitable<Response> {
            order += name;
            Response response = co_await next(request);
            order += static_cast<char>(std::toupper(name));
            co_return response;
        });
    };
    const auto handler = chain({layer('a'), layer('b')}, [&order](Request&) -> asio::awaitable<Response> {
        order += '.';
        co_return Response{};
    });
    Request request;
    run(handler, request);
    EXPECT_EQ(order, "ab.BA");
}

TEST(Middleware, ErrorBarrierTurnsApiErrorIntoJsonShapeWithHeaders) {
    const auto handler = chain(
        {error_barrier()},
        throwing(std::make_exception_ptr(
            ApiError(429, "rate_limited", "slow down").with_header("Retry-After", "7"))));
    Request request;
    request.request_id = "rid-1";
    const auto response = run(handler, request);
    EXPECT_EQ(response.status, 429u);
    EXPECT_EQ(response.header("Retry-After"), "7");
    const auto error = boost::json::parse(response.body).at("error").as_object();
    EXPECT_EQ(error.at("code").as_string(), "rate_limited");
    EXPECT_EQ(error.at("message").as_string(), "slow down");
    EXPECT_EQ(error.at("request_id").as_string(), "rid-1");
}

TEST(Middleware, ErrorBarrierHidesInternalsOfUnexpectedErrors) {
    const auto handler = chain(
        {error_barrier()},
        throwing(std::make_exception_ptr(std::runtime_error("password=hunter2 at db.cpp:42"))));
    Request request;
    const auto response = run(handler, request);
    EXPECT_EQ(response.status, 500u);
    EXPECT_EQ(response.body.find("hunter2"), std::string::npos);
    EXPECT_EQ(response.body.find("db.cpp"), std::string::npos);
    EXPECT_EQ(boost::json::parse(response.body).at("error").at("code").as_string(),
              "internal_error");
}

TEST(Middleware, DispatchAnswersNotFoundAndMethodNotAllowed) {
    const auto handler = chain({error_barrier()}, dispatch);
    Request missing;
    missing.path = "/x";
    EXPECT_EQ(run(handler, missing).status, 404u);

    Request wrong_method;
    wrong_method.route_outcome = RouteOutcome::method_not_allowed;
    wrong_method.allow = "GET, HEAD, OPTIONS";
    const auto response = run(handler, wrong_method);
    EXPECT_EQ(response.status, 405u);
    EXPECT_EQ(response.header("Allow"), "GET, HEAD, OPTIONS");
}

TEST(Middleware, DispatchAnswersBareOptionsWith204AndAllow) {
    const auto handler = chain({error_barrier()}, dispatch);
    Request request;
    request.route_outcome = RouteOutcome::found;
    request.allow = "GET, HEAD, OPTIONS";
    const auto response = run(handler, request);
    EXPECT_EQ(response.status, 204u);
    EXPECT_EQ(response.header("Allow"), "GET, HEAD, OPTIONS");
    EXPECT_TRUE(response.body.empty());
}

TEST(Middleware, RequestIdValidation) {
    EXPECT_TRUE(is_valid_request_id("abc-123_x.y:z"));
    EXPECT_FALSE(is_valid_request_id(""));
    EXPECT_FALSE(is_valid_request_id(std::string(129, 'a')));
    EXPECT_FALSE(is_valid_request_id("has space"));
    EXPECT_FALSE(is_valid_request_id("quote\""));
    EXPECT_NE(generate_request_id(), generate_request_id());
    EXPECT_EQ(generate_request_id().size(), 32u);
}

TEST(Middleware, MetricsCountByRouteTemplate) {
    metrics::Registry registry;
    const auto handler = chain({access_log_and_metrics(registry)},
                               [](Request&) -> asio::awaitable<Response> { co_return Response{}; });
    Request request;
    request.method_name = "GET";
    request.route = "/api/v1/conversations/{id}";
    request.path = "/api/v1/conversations/123";
    run(handler, request);
    const auto text = registry.expose();
    EXPECT_NE(text.find(R"(http_requests_total{method="GET",endpoint="/api/v1/conversations/{id}",status="200"} 1)"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("conversations/123"), std::string::npos);
}

}  // namespace
}  // namespace companion::http
