#include "http/router.hpp"

#include <gtest/gtest.h>

namespace companion::http {
namespace {

Handler noop() {
    return [](Request&) -> boost::asio::awaitable<Response> { co_return Response{}; };
}

Router sample_router() {
    Router router;
    router.add(Method::get, "/health", noop());
    router.add(Method::get, "/api/v1/conversations", noop());
    router.add(Method::post, "/api/v1/conversations", noop());
    router.add(Method::get, "/api/v1/conversations/{id}", noop());
    router.add(Method::patch, "/api/v1/conversations/{id}", noop());
    router.add(Method::delete_, "/api/v1/conversations/{id}", noop());
    router.add(Method::get, "/api/v1/conversations/{id}/messages", noop());
    router.add(Method::get, "/api/v1/memories/{id}", noop());
    router.add(Method::get, "/api/v1/memories/search", noop());
    return router;
}

TEST(Router, MatchesLiteralPath) {
    const auto router = sample_router();
    const auto match = router.match(Method::get, "/health");
    EXPECT_EQ(match.outcome, RouteMatch::Outcome::found);
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.pattern, "/health");
    EXPECT_TRUE(match.params.empty());
}

TEST(Router, ExtractsPathParameters) {
    const auto router = sample_router();
    const auto match = router.match(Method::get, "/api/v1/conversations/42/messages");
    ASSERT_EQ(match.outcome, RouteMatch::Outcome::found);
    EXPECT_EQ(match.pattern, "/api/v1/conversations/{id}/messages");
    ASSERT_EQ(match.params.size(), 1u);
    EXPECT_EQ(match.params[0].first, "id");
    EXPECT_EQ(match.params[0].second, "42");
}

TEST(Router, PercentDecodesParameters) {
    const auto router = sample_router();
    const auto match = router.match(Method::get, "/api/v1/conversations/a%20b");
    ASSERT_EQ(match.outcome, RouteMatch::Outcome::found);
    EXPECT_EQ(match.params[0].second, "a b");
}

TEST(Router, MalformedPercentEscapeIsNotFound) {
    const auto router = sample_router();
    EXPECT_EQ(router.match(Method::get, "/api/v1/conversations/%zz").outcome,
              RouteMatch::Outcome::not_found);
    EXPECT_EQ(router.match(Method::get, "/api/v1/conversations/%4").outcome,
              RouteMatch::Outcome::not_found);
}

TEST(Router, SelectsRouteByMethod) {
    const auto router = sample_router();
    const auto get = router.match(Method::get, "/api/v1/conversations");
    const auto post = router.match(Method::post, "/api/v1/conversations");
    ASSERT_NE(get.route, nullptr);
    ASSERT_NE(post.route, nullptr);
    EXPECT_EQ(get.route->method, Method::get);
    EXPECT_EQ(post.route->method, Method::post);
}

TEST(Router, UnknownPathIsNotFound) {
    const auto router = sample_router();
    EXPECT_EQ(router.match(Method::get, "/nope").outcome, RouteMatch::Outcome::not_found);
    EXPECT_EQ(router.match(Method::get, "/health/").outcome, RouteMatch::Outcome::not_found);
    EXPECT_EQ(router.match(Method::get, "/api/v1/conversations//messages").outcome,
              RouteMatch::Outcome::not_found);
    EXPECT_EQ(router.match(Method::get, "").outcome, RouteMatch::Outcome::not_found);
}

TEST(Router, WrongMethodIsMethodNotAllowedWithAllow) {
    const auto router = sample_router();
    const auto match = router.match(Method::put, "/api/v1/conversations/7");
    EXPECT_EQ(match.outcome, RouteMatch::Outcome::method_not_allowed);
    EXPECT_EQ(match.route, nullptr);
    EXPECT_EQ(match.pattern, "/api/v1/conversations/{id}");
    EXPECT_EQ(match.allow, "GET, HEAD, PATCH, DELETE, OPTIONS");
}

TEST(Router, HeadIsServedByGetRoute) {
    const auto router = sample_router();
    const auto match = router.match(Method::head, "/health");
    ASSERT_EQ(match.outcome, RouteMatch::Outcome::found);
    EXPECT_EQ(match.route->method, Method::get);
}

TEST(Router, OptionsMatchesAnyExistingPathWithoutHandler) {
    const auto router = sample_router();
    const auto match = router.match(Method::options, "/api/v1/conversations");
    EXPECT_EQ(match.outcome, RouteMatch::Outcome::found);
    EXPECT_EQ(match.route, nullptr);
    EXPECT_EQ(match.allow, "GET, HEAD, POST, OPTIONS");
    EXPECT_EQ(router.match(Method::options, "/nope").outcome, RouteMatch::Outcome::not_found);
}

TEST(Router, LiteralSegmentWinsOverParameter) {
    const auto router = sample_router();
    const auto match = router.match(Method::get, "/api/v1/memories/search");
    ASSERT_EQ(match.outcome, RouteMatch::Outcome::found);
    EXPECT_EQ(match.pattern, "/api/v1/memories/search");
    EXPECT_TRUE(match.params.empty());
}

TEST(Router, RejectsMalformedOrDuplicatePatterns) {
    Router router;
    EXPECT_THROW(router.add(Method::get, "health", noop()), std::invalid_argument);
    EXPECT_THROW(router.add(Method::get, "/a/{id", noop()), std::invalid_argument);
    router.add(Method::get, "/a", noop());
    EXPECT_THROW(router.add(Method::get, "/a", noop()), std::invalid_argument);
}

}  // namespace
}  // namespace companion::http
