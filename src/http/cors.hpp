// CORS decisions from the CORS_ORIGINS allow-list: pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace companion::http {

class CorsPolicy {
public:
    // origins: exact origins (scheme://host[:port]) or "*" for any origin.
    explicit CorsPolicy(std::vector<std::string> origins);

    bool allows(std::string_view origin) const;
    bool allows_any() const { return any_; }

    using Headers = std::vector<std::pair<std::string, std::string>>;

    // Headers for an actual (non-preflight) request from `origin` (empty origin: not a CORS
    // request). An origin not on the list gets no CORS headers, only Vary.
    Headers actual_request_headers(std::string_view origin) const;

    struct Preflight {
        bool allowed = false;
        Headers headers;  // on refusal: Vary only
    };
    // An OPTIONS request carrying Origin and Access-Control-Request-Method.
    Preflight preflight(std::string_view origin, std::string_view requested_method,
                        std::string_view requested_headers) const;

    static const std::string& allowed_methods();
    static const std::string& allowed_headers();
    static const std::string& exposed_headers();

private:
    std::vector<std::string> origins_;
    bool any_ = false;
};

bool is_cors_preflight(std::string_view method, std::string_view origin,
                       std::string_view requested_method);

}  // namespace companion::http
