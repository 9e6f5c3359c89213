// Routes: method + path template (`/api/v1/conversations/{id}`) to a handler.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace companion::http {

struct Route {
    Method method;
    std::string pattern;  // e.g. "/api/v1/conversations/{id}"
    Handler handler;
};

struct RouteMatch {
    enum class Outcome { found, not_found, method_not_allowed };
    Outcome outcome = Outcome::not_found;
    const Route* route = nullptr;  // set when found
    std::string_view pattern;      // the template that matched the path (found or 405)
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;             // methods the path supports, e.g. "GET, HEAD, OPTIONS"
};

class Router {
public:
    // Throws std::invalid_argument for a malformed pattern or a duplicate method + pattern.
    void add(Method method, std::string pattern, Handler handler);

    // HEAD is served by the GET route. OPTIONS matches every existing path (found, route null).
    RouteMatch match(Method method, std::string_view path) const;

    const std::vector<Route>& routes() const { return routes_; }

private:
    struct Compiled {
        std::vector<std::string> segments;  // "{name}" for a parameter
    };
    bool matches(const Compiled& compiled, std::string_view path,
                 std::vector<std::pair<std::string, std::string>>* params) const;

    std::vector<Route> routes_;
    std::vector<Compiled> compiled_;
};

// Percent-decodes a path segment; returns false for a malformed escape.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace companion::http
