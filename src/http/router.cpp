#include "http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace companion::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> segments;
    if (path.empty() || path.front() != '/') return segments;
    std::size_t start = 1;
    while (start <= path.size()) {
        const auto end = path.find('/', start);
        const auto stop = end == std::string_view::npos ? path.size() : end;
        segments.push_back(path.substr(start, stop - start));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return segments;
}

bool is_parameter(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_method(std::string& allow, std::string_view method) {
    if (allow.find(method) != std::string::npos) return;
    if (!allow.empty()) allow += ", ";
    allow += method;
}

}  // namespace

bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return false;
        const int high = hex_value(in[i + 1]);
        const int low = hex_value(in[i + 2]);
        if (high < 0 || low < 0) return false;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return true;
}

void Router::add(Method method, std::string pattern, Handler handler) {
    if (pattern.empty() || pattern.front() != '/') {
        throw std::invalid_argument("route pattern must start with '/': " + pattern);
    }
    Compiled compiled;
    for (auto segment : split_path(pattern)) {
        if (segment.find_first_of("{}") != std::string_view::npos && !is_parameter(segment)) {
            throw std::invalid_argument("malformed parameter in route pattern: " + pattern);
        }
        compiled.segments.emplace_back(segment);
    }
    for (const auto& route : routes_) {
        if (route.method == method && route.pattern == pattern) {
            throw std::invalid_argument("route registered twice: " + pattern);
        }
    }
    routes_.push_back(Route{method, std::move(pattern), std::move(handler)});
    compiled_.push_back(std::move(compiled));
}

bool Router::matches(const Compiled& compiled, std::string_view path,
                     std::vector<std::pair<std::string, std::string>>* params) const {
    const auto segments = split_path(path);
    if (segments.size() != compiled.segments.size()) return false;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& expected = compiled.segments[i];
        if (is_parameter(expected)) {
            std::string decoded;
            if (segments[i].empty() || !percent_decode(segments[i], decoded)) return false;
            if (params) {
                params->emplace_back(expected.substr(1, expected.size() - 2), std::move(decoded));
            }
        } else if (expected != segments[i]) {
            return false;
        }
    }
    return true;
}

RouteMatch Router::match(Method method, std::string_view path) const {
    // A literal segment beats a parameter: /memories/search wins over /memories/{id}.
    int best = -1;
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        if (!matches(compiled_[i], path, nullptr)) continue;
        const int literals = static_cast<int>(std::count_if(
            compiled_[i].segments.begin(), compiled_[i].segments.end(),
            [](const std::string& segment) { return !is_parameter(segment); }));
        if (literals > best) {
            best = literals;
            candidates.clear();
        }
        if (literals == best) candidates.push_back(i);
    }
    RouteMatch result;
    if (candidates.empty()) return result;

    const Method wanted = method == Method::head ? Method::get : method;
    for (const auto i : candidates) {
        const auto& route = routes_[i];
        append_method(result.allow, to_string(route.method));
        if (route.method == Method::get) append_method(result.allow, "HEAD");
        if (route.method == wanted && result.route == nullptr) {
            result.route = &route;
            result.pattern = route.pattern;
            matches(compiled_[i], path, &result.params);
        }
    }
    append_method(result.allow, "OPTIONS");
    if (result.pattern.empty()) result.pattern = routes_[candidates.front()].pattern;
    const bool found = result.route != nullptr || method == Method::options;
    result.outcome = found ? RouteMatch::Outcome::found : RouteMatch::Outcome::method_not_allowed;
    return result;
}

}  // namespace companion::http
