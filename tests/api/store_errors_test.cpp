#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "api/routes.hpp"
#include "store/errors.hpp"

namespace companion::api {
namespace {

namespace asio = boost::asio;

http::Response answer_to(std::exception_ptr error) {
    const auto handler = http::chain(
        {http::error_barrier(), store_errors()},
        [error](http::Request&) -> asio::awaitable<http::Response> {
            std::rethrow_exception(error);
            co_return http::Response{};
        });
    http::Request request;
    request.request_id = "rid";
    asio::io_context io;
    auto future = asio::co_spawn(io, handler(request), asio::use_future);
    io.run();
    return future.get();
}

std::string code_of(const http::Response& response) {
    return std::string(boost::json::parse(response.body).at("error").at("code").as_string());
}

TEST(StoreErrors, BusyPoolIs503DatabaseBusyWithRetryAfter) {
    const auto response = answer_to(std::make_exception_ptr(store::Busy("no connection")));
    EXPECT_EQ(response.status, 503u);
    EXPECT_EQ(code_of(response), "database_busy");
    EXPECT_EQ(response.header("Retry-After"), "1");
}

TEST(StoreErrors, UnavailableDatabaseIs503WithoutInternals) {
    const auto response = answer_to(std::make_exception_ptr(
        store::Unavailable("cannot connect to 10.0.0.5:5432 as companion")));
    EXPECT_EQ(response.status, 503u);
    EXPECT_EQ(code_of(response), "database_unavailable");
    EXPECT_EQ(response.body.find("10.0.0.5"), std::string::npos);
}

TEST(StoreErrors, ConflictIs409) {
    const auto response =
        answer_to(std::make_exception_ptr(store::Conflict("the username is taken")));
    EXPECT_EQ(response.status, 409u);
    EXPECT_EQ(code_of(response), "conflict");
}

}  // namespace
}  // namespace companion::api
