#include <stdexcept>

#include "api/routes.hpp"
#include "store/errors.hpp"
#include "util/log.hpp"

namespace companion::api {

namespace asio = boost::asio;

http::Middleware store_errors() {
    return [](http::Request& request, const http::Handler& next) -> asio::awaitable<http::Response> {
        try {
            co_return co_await next(request);
        } catch (const store::Busy&) {
            throw http::ApiError(503, "database_busy",
                                 "the database is busy; retry in a moment")
                .with_header("Retry-After", "1");
        } catch (const store::Conflict& error) {
            throw http::ApiError(409, "conflict", error.what());
        } catch (const std::invalid_argument& error) {
            throw http::ApiError(400, "invalid_request", error.what());
        } catch (const store::StoreError& error) {
            log::error("database error", {{"request_id", std::string_view(request.request_id)},
                                          {"error", std::string_view(error.what())}});
            throw http::ApiError(503, "database_unavailable",
                                 "the database is unavailable; retry later")
                .with_header("Retry-After", "5");
        }
    };
}

}  // namespace companion::api
