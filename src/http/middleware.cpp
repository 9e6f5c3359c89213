#include "http/middleware.hpp"

#include <chrono>
#include <random>

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "metrics/registry.hpp"
#include "util/log.hpp"
#include "util/utf8.hpp"

namespace companion::http {

namespace asio = boost::asio;

Handler chain(std::vector<Middleware> middleware, Handler terminal) {
    Handler next = std::move(terminal);
    for (auto it = middleware.rbegin(); it != middleware.rend(); ++it) {
        next = [layer = std::move(*it), inner = std::move(next)](Request& request) {
            return layer(request, inner);
        };
    }
    return next;
}

asio::awaitable<Response> dispatch(Request& request) {
    if (request.rejection) throw *request.rejection;
    switch (request.route_outcome) {
        case RouteOutcome::not_found:
            throw ApiError(404, "not_found",
                           fmt::format("no route for {}", util::sanitize_utf8(request.path)));
        case RouteOutcome::method_not_allowed:
            throw ApiError(405, "method_not_allowed",
                           fmt::format("{} is not allowed on {}; allowed: {}",
                                       util::sanitize_utf8(request.method_name),
                                       util::sanitize_utf8(request.path), request.allow))
                .with_header("Allow", request.allow);
        case RouteOutcome::found: break;
    }
    if (request.handler == nullptr) {
        Response response;
        response.status = 204;
        response.content_type.clear();
        response.set_header("Allow", request.allow);
        co_return response;
    }
    co_return co_await (*request.handler)(request);
}

bool is_valid_request_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string generate_request_id() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return fmt::format("{:016x}{:016x}", engine(), engine());
}

Middleware request_id() {
    return [](Request& request, const Handler& next) -> asio::awaitable<Response> {
        const auto sent = request.header("X-Request-ID");
        request.request_id = is_valid_request_id(sent) ? std::string(sent) : generate_request_id();
        Response response = co_await next(request);
        response.set_header("X-Request-ID", request.request_id);
        co_return response;
    };
}

namespace {

struct InProgress {
    explicit InProgress(metrics::Gauge& gauge) : gauge_(gauge) { gauge_.inc(); }
    ~InProgress() { gauge_.dec(); }
    InProgress(const InProgress&) = delete;
    InProgress& operator=(const InProgress&) = delete;

private:
    metrics::Gauge& gauge_;
};

std::string_view endpoint_label(const Request& request) {
    return request.route.empty() ? std::string_view("unmatched") : request.route;
}

}  // namespace

Middleware access_log_and_metrics(metrics::Registry& registry) {
    auto& requests = registry.counter("http_requests_total", "HTTP requests answered",
                                      {"method", "endpoint", "status"});
    auto& duration = registry.histogram("http_request_duration_seconds",
                                        "Time to answer an HTTP request, by route template",
                                        {"endpoint"});
    auto& in_progress =
        registry.gauge("http_requests_in_progress", "HTTP requests being answered").with({});
    return [&requests, &duration, &in_progress](Request& request,
                                                const Handler& next) -> asio::awaitable<Response> {
        const auto started = std::chrono::steady_clock::now();
        InProgress guard(in_progress);
        Response response = co_await next(request);
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
        const auto endpoint = endpoint_label(request);
        const auto status = std::to_string(response.status);
        const auto method = request.method_name.empty() ? std::string_view("-")
                                                        : request.method_name;
        requests.with({method, endpoint, status}).inc();
        duration.with({endpoint}).observe(elapsed.count());
        log::write(response.status >= 500 ? log::Level::warning : log::Level::info, "request",
                   {{"request_id", std::string_view(request.request_id)},
                    {"method", method},
                    {"route", endpoint},
                    {"path", request.path},
                    {"status", response.status},
                    {"duration_ms", elapsed.count() * 1000.0},
                    {"client_ip", std::string_view(request.client_ip)}});
        co_return response;
    };
}

Middleware security_headers() {
    return [](Request& request, const Handler& next) -> asio::awaitable<Response> {
        Response response = co_await next(request);
        response.set_header_if_absent("X-Content-Type-Options", "nosniff");
        response.set_header_if_absent("X-Frame-Options", "DENY");
        response.set_header_if_absent("Referrer-Policy", "no-referrer");
        response.set_header_if_absent("Content-Security-Policy",
                                      "default-src 'none'; frame-ancestors 'none'");
        response.set_header_if_absent("Cache-Control", "no-store");
        co_return response;
    };
}

Middleware cors(CorsPolicy policy) {
    return [policy = std::move(policy)](Request& request,
                                        const Handler& next) -> asio::awaitable<Response> {
        const auto origin = request.header("Origin");
        const auto requested_method = request.header("Access-Control-Request-Method");
        if (is_cors_preflight(request.method_name, origin, requested_method)) {
            auto preflight = policy.preflight(origin, requested_method,
                                              request.header("Access-Control-Request-Headers"));
            Response response;
            if (preflight.allowed) {
                response.status = 204;
                response.content_type.clear();
            } else {
                response = error_response(403, "cors_forbidden",
                                          "this origin, method or header is not allowed by CORS",
                                          request.request_id);
            }
            for (auto& [name, value] : preflight.headers) response.set_header(name, value);
            co_return response;
        }
        Response response = co_await next(request);
        if (!origin.empty()) {
            for (auto& [name, value] : policy.actual_request_headers(origin)) {
                response.set_header(name, value);
            }
        }
        co_return response;
    };
}

namespace {

// OpenAI's error types, so that one error shape serves our API and the OpenAI-compatible one.
std::string_view openai_error_type(unsigned status) {
    if (status == 401) return "authentication_error";
    if (status == 403) return "permission_error";
    if (status == 429) return "rate_limit_error";
    if (status >= 500) return "server_error";
    return "invalid_request_error";
}

}  // namespace

Response error_response(unsigned status, std::string_view code, std::string_view message,
                        std::string_view request_id,
                        const std::vector<std::pair<std::string, std::string>>& details) {
    boost::json::object error;
    for (const auto& [name, value] : details) error[name] = value;
    error["code"] = code;
    error["message"] = message;
    error["type"] = openai_error_type(status);
    error["param"] = nullptr;
    error["request_id"] = request_id;
    boost::json::object body;
    body["error"] = std::move(error);
    Response response;
    response.status = status;
    response.body = boost::json::serialize(body);
    return response;
}

Middleware error_barrier() {
    return [](Request& request, const Handler& next) -> asio::awaitable<Response> {
        try {
            co_return co_await next(request);
        } catch (const ApiError& error) {
            Response response = error_response(error.status(), error.code(), error.what(),
                                               request.request_id, error.details());
            for (const auto& [name, value] : error.headers()) response.set_header(name, value);
            co_return response;
        } catch (const std::exception& error) {
            log::error("unhandled error in handler",
                       {{"request_id", std::string_view(request.request_id)},
                        {"route", endpoint_label(request)},
                        {"error", std::string_view(error.what())}});
        } catch (...) {
            log::error("unhandled non-standard exception in handler",
                       {{"request_id", std::string_view(request.request_id)},
                        {"route", endpoint_label(request)}});
        }
        co_return error_response(500, "internal_error", "the server failed to answer this request",
                                 request.request_id);
    };
}

}  // namespace companion::http
