// The middleware chain around every handler, and the standard middleware of the service.
#pragma once

#include <functional>
#include <vector>

#include "http/cors.hpp"
#include "http/message.hpp"

namespace companion::metrics {
class Registry;
}

namespace companion::http {

using Middleware = std::function<boost::asio::awaitable<Response>(Request&, const Handler& next)>;

// Wraps `terminal` so that middleware[0] runs first (outermost).
Handler chain(std::vector<Middleware> middleware, Handler terminal);

// Calls the handler of the route the router matched; answers 404, 405 (with Allow), a bare
// OPTIONS (204 with Allow) and the connection's rejections by throwing ApiError.
boost::asio::awaitable<Response> dispatch(Request& request);

// X-Request-ID from the client when it is sane (1-128 of [A-Za-z0-9._:-]), else a new one;
// echoed on the response.
Middleware request_id();
// Access log line and http_requests_total / http_request_duration_seconds /
// http_requests_in_progress, labelled by route template (never the raw path).
Middleware access_log_and_metrics(metrics::Registry& registry);
// nosniff, frame denial, referrer policy, CSP and no-store unless the handler chose otherwise.
Middleware security_headers();
// Answers preflights (204 allowed, 403 refused) and adds CORS headers to actual requests.
Middleware cors(CorsPolicy policy);
// Turns ApiError into its JSON shape and anything else into a 500 that reveals nothing.
Middleware error_barrier();

// {"error":{"code","message","type","param":null,"request_id", ...details}}: "type" is OpenAI's
// error type for the status, so that OpenAI clients read our errors too.
Response error_response(unsigned status, std::string_view code, std::string_view message,
                        std::string_view request_id,
                        const std::vector<std::pair<std::string, std::string>>& details = {});

bool is_valid_request_id(std::string_view id);
std::string generate_request_id();

}  // namespace companion::http
