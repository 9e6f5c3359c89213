#include "http/cors.hpp"

#include <algorithm>
#include <cctype>

#include "http/message.hpp"

namespace companion::http {
namespace {

constexpr int preflight_max_age_seconds = 600;

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

bool list_contains(std::string_view list, std::string_view item) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        if (iequals(trim(list.substr(0, comma)), item)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

bool headers_allowed(std::string_view requested) {
    while (!requested.empty()) {
        const auto comma = requested.find(',');
        const auto name = trim(requested.substr(0, comma));
        if (!name.empty() && !list_contains(CorsPolicy::allowed_headers(), name)) return false;
        if (comma == std::string_view::npos) break;
        requested.remove_prefix(comma + 1);
    }
    return true;
}

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {
    any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

const std::string& CorsPolicy::allowed_methods() {
    static const std::string methods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
    return methods;
}

const std::string& CorsPolicy::allowed_headers() {
    static const std::string headers =
        "Accept, Authorization, Content-Type, X-Request-ID, X-Conversation-Id, X-API-Key";
    return headers;
}

const std::string& CorsPolicy::exposed_headers() {
    static const std::string headers =
        "X-Request-ID, X-Conversation-Id, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, "
        "X-RateLimit-Reset";
    return headers;
}

bool CorsPolicy::allows(std::string_view origin) const {
    if (origin.empty()) return false;
    if (any_) return true;
    // Origins compare exactly, scheme and host case-insensitively (RFC 6454 serialisation).
    return std::any_of(origins_.begin(), origins_.end(),
                       [&](const std::string& allowed) { return iequals(allowed, origin); });
}

CorsPolicy::Headers CorsPolicy::actual_request_headers(std::string_view origin) const {
    Headers headers;
    if (!any_) headers.emplace_back("Vary", "Origin");
    if (!allows(origin)) return headers;
    headers.emplace_back("Access-Control-Allow-Origin", any_ ? "*" : std::string(origin));
    headers.emplace_back("Access-Control-Expose-Headers", exposed_headers());
    return headers;
}

CorsPolicy::Preflight CorsPolicy::preflight(std::string_view origin,
                                            std::string_view requested_method,
                                            std::string_view requested_headers) const {
    Preflight result;
    result.headers.emplace_back("Vary",
                                "Origin, Access-Control-Request-Method, "
                                "Access-Control-Request-Headers");
    if (!allows(origin) || !list_contains(allowed_methods(), requested_method) ||
        !headers_allowed(requested_headers)) {
        return result;
    }
    result.allowed = true;
    result.headers.emplace_back("Access-Control-Allow-Origin", any_ ? "*" : std::string(origin));
    result.headers.emplace_back("Access-Control-Allow-Methods", allowed_methods());
    result.headers.emplace_back("Access-Control-Allow-Headers", allowed_headers());
    result.headers.emplace_back("Access-Control-Max-Age", std::to_string(preflight_max_age_seconds));
    return result;
}

bool is_cors_preflight(std::string_view method, std::string_view origin,
                       std::string_view requested_method) {
    return method == "OPTIONS" && !origin.empty() && !requested_method.empty();
}

}  // namespace companion::http
