// Checking the shape of configured URLs, and finding, decoding and masking their passwords.
#include "config/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace companion::config {
namespace {

constexpr auto npos = std::string_view::npos;

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_port(std::string_view digits) {
    int value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return error == std::errc{} && end == digits.data() + digits.size() && value >= 1 &&
           value <= 65535 && digits.size() <= 5;
}

// host[:port], where host may be a bracketed IPv6 address.
bool is_host_port(std::string_view authority) {
    const bool bracketed = authority.starts_with('[');
    auto host_end = authority.find(bracketed ? ']' : ':');
    if (bracketed && host_end != npos) ++host_end;
    host_end = std::min(host_end, authority.size());
    const auto host = authority.substr(0, host_end);
    const auto port = authority.substr(host_end);
    return !host.empty() && host != "[]" && !host.starts_with('[') == !host.ends_with(']') &&
           !has_space_or_control(authority) &&
           (port.empty() || (port[0] == ':' && is_port(port.substr(1))));
}

struct Span {
    std::size_t begin;
    std::size_t end;
};

// The last '@' ends the user info: an unescaped '@' in a password then stays hidden.
std::optional<Span> userinfo_password(std::string_view url) {
    const auto scheme_end = url.find("://");
    const std::size_t start = scheme_end == npos ? 0 : scheme_end + 3;
    const auto at = url.rfind('@');
    const auto colon = url.find(':', start);
    if (at == npos || at < start || colon == npos || colon > at) return std::nullopt;
    return Span{colon + 1, at};
}

std::optional<Span> query_password(std::string_view url) {
    constexpr std::string_view key = "password=";
    const auto query = url.find('?');
    for (auto pos = url.find(key, query); query != npos && pos != npos;
         pos = url.find(key, pos + 1)) {
        if (url[pos - 1] == '?' || url[pos - 1] == '&') {
            const auto begin = pos + key.size();
            return Span{begin, std::min(url.find_first_of("&#", begin), url.size())};
        }
    }
    return std::nullopt;
}

std::string masked(std::string text, std::optional<Span> span) {
    if (span) text.replace(span->begin, span->end - span->begin, "***");
    return text;
}

// %XX escapes decoded; a '%' not followed by two hex digits is kept as it is.
std::string percent_decoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned value = 0;
        const char* hex = text.data() + i + 1;
        if (text[i] == '%' && i + 2 < text.size() &&
            std::from_chars(hex, hex + 2, value, 16).ptr == hex + 2) {
            out += static_cast<char>(value);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace

std::string url_scheme(std::string_view text) {
    const auto end = text.find("://");
    const auto name = text.substr(0, end == npos ? 0 : end);
    const bool valid =
        !name.empty() && std::isalpha(static_cast<unsigned char>(name[0])) &&
        std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
        });
    return valid ? lower(name) : "";
}

bool has_space_or_control(std::string_view text) {
    return std::any_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

bool url_has_host(std::string_view url) {
    auto authority = url.substr(std::min(url.size(), url.find("://") + 3));
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != npos) authority.remove_prefix(at + 1);
    return !has_space_or_control(url) && is_host_port(authority);
}

bool is_origin(std::string_view text) {
    const std::string name = url_scheme(text);
    const auto authority = text.substr(std::min(text.size(), name.size() + 3));
    return !name.empty() && authority.find_first_of("/?#@") == npos && is_host_port(authority);
}

std::string mask_url_password(std::string_view url) {
    const std::string without_userinfo = masked(std::string(url), userinfo_password(url));
    return masked(without_userinfo, query_password(without_userinfo));
}

std::optional<std::string> url_password(std::string_view url) {
    auto span = userinfo_password(url);
    if (!span) span = query_password(url);
    if (!span) return std::nullopt;
    return percent_decoded(url.substr(span->begin, span->end - span->begin));
}

}  // namespace companion::config
