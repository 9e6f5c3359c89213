#include "cache/rate_limiter.hpp"

namespace companion::cache {
namespace {

std::string ceil_seconds(std::chrono::milliseconds value) {
    return std::to_string(std::chrono::ceil<std::chrono::seconds>(value).count());
}

}  // namespace

std::vector<std::pair<std::string, std::string>> rate_limit_headers(const RateDecision& decision) {
    std::vector<std::pair<std::string, std::string>> headers{
        {"X-RateLimit-Limit", std::to_string(decision.limit)},
        {"X-RateLimit-Remaining", std::to_string(decision.remaining)},
        {"X-RateLimit-Reset", ceil_seconds(decision.reset_after)},
    };
    if (!decision.allowed) headers.emplace_back("Retry-After", ceil_seconds(decision.retry_after));
    return headers;
}

}  // namespace companion::cache
