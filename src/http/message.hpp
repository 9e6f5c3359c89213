// The HTTP request and response as the rest of the service sees them: plain structs, no Beast.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "http/api_error.hpp"

namespace companion::http {

enum class Method { get, head, post, put, patch, delete_, options, other };

Method parse_method(std::string_view name);
std::string_view to_string(Method method);

bool iequals(std::string_view a, std::string_view b);

struct Response;
struct Request;
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

enum class RouteOutcome { found, not_found, method_not_allowed };

struct Request {
    Method method = Method::other;
    std::string_view method_name;  // as sent, e.g. "GET"
    std::string_view target;       // path and query as sent
    std::string_view path;         // without the query
    std::string_view query;        // after '?', without it
    std::vector<std::pair<std::string_view, std::string_view>> headers;
    std::string body;

    // Filled by the connection and the router before the middleware chain runs.
    std::string client_ip;
    std::string request_id;
    std::string_view route;  // the matched route's template, "" when no route matched
    std::vector<std::pair<std::string, std::string>> params;
    RouteOutcome route_outcome = RouteOutcome::not_found;
    const Handler* handler = nullptr;  // null for a bare OPTIONS or when no route matched
    std::string allow;                 // methods the path supports
    // Set when the connection refused the request before it was whole (413, 431, 400): the
    // pipeline still runs (request id, CORS, logs, metrics) and answers with this error.
    std::optional<ApiError> rejection;
    // The authenticated principal, set by the authentication middleware: the user's id and how
    // they proved it ("jwt", "api_key", or "local" for REQUIRE_AUTHENTICATION=false).
    std::string user_id;
    std::string auth_method;

    // First header of that name (case-insensitive), empty when absent.
    std::string_view header(std::string_view name) const;
    bool has_header(std::string_view name) const;
    // A path parameter of the matched route, percent-decoded; empty when absent.
    std::string_view param(std::string_view name) const;
};

// Sends the pieces of a streamed response body as they come (chunked transfer encoding).
class BodyWriter {
public:
    virtual ~BodyWriter() = default;
    // Sends the piece at once; false when the client has gone (it closed the connection, or
    // the write failed or timed out): nothing written afterwards reaches anyone.
    virtual boost::asio::awaitable<bool> write(std::string_view piece) = 0;
};

// Produces a streamed body. It runs after the status and headers have been sent, so it cannot
// turn into an error answer any more: it reports failures in the stream's own format.
using StreamBody = std::function<boost::asio::awaitable<void>(BodyWriter&)>;

struct Response {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool close_connection = false;  // answer with Connection: close and end the connection
    // When set, the body is this stream instead of `body` (e.g. server-sent events). The
    // middleware sees the response before the stream runs.
    StreamBody stream;

    // Replaces every header of that name.
    void set_header(std::string_view name, std::string value);
    // Adds a header unless one of that name is already there.
    void set_header_if_absent(std::string_view name, std::string value);
    std::string_view header(std::string_view name) const;
};

}  // namespace companion::http
