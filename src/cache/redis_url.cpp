#include "cache/redis_url.hpp"

#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

namespace companion::cache {
namespace {

constexpr auto npos = std::string_view::npos;
constexpr std::string_view shape = "redis://[[user]:password@]host[:port][/db]";

[[noreturn]] void invalid(const std::string& problem) {
    throw std::invalid_argument("invalid Redis URL: " + problem + " (expected " +
                                std::string(shape) + ")");
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decoded(std::string_view text, std::string_view what) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
        const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        if (high < 0 || low < 0) {
            invalid("the " + std::string(what) + " has a '%' that is not followed by two hex " +
                    "digits (write a literal '%' as %25)");
        }
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

template <class Int>
bool parse_number(std::string_view digits, Int& value) {
    if (!all_digits(digits)) return false;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return error == std::errc{} && end == digits.data() + digits.size();
}

bool has_space_or_control(std::string_view text) {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return true;
    }
    return false;
}

void parse_userinfo(std::string_view userinfo, RedisUrl& out) {
    const auto colon = userinfo.find(':');
    if (colon == npos) {
        invalid(
            "the part before '@' must be user:password or :password (a password alone is "
            "written redis://:password@host)");
    }
    out.username = percent_decoded(userinfo.substr(0, colon), "user name");
    out.password = percent_decoded(userinfo.substr(colon + 1), "password");
}

void parse_host_port(std::string_view authority, RedisUrl& out) {
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == npos) invalid("the IPv6 host has no closing ']'");
        host = authority.substr(1, close - 1);
        const auto rest = authority.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':')) invalid("unexpected text after the host");
        if (!rest.empty()) port = rest.substr(1);
        if (!rest.empty() && port.empty()) invalid("the port is empty");
    } else {
        const auto colon = authority.find(':');
        if (colon != npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
            if (port.find(':') != npos) invalid("an IPv6 host must be written in brackets");
            if (port.empty()) invalid("the port is empty");
        }
    }
    if (host.empty()) invalid("the host is missing");
    if (has_space_or_control(host)) invalid("the host has a space or control character");
    out.host = std::string(host);
    if (!port.empty()) {
        unsigned value = 0;
        if (!parse_number(port, value) || value < 1 || value > 65535) {
            invalid("the port must be a number from 1 to 65535");
        }
        out.port = static_cast<std::uint16_t>(value);
    }
}

}  // namespace

std::string RedisUrl::endpoint() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string RedisUrl::redacted() const {
    std::string out = "redis://";
    if (needs_auth()) out += username + ":***@";
    return out + endpoint() + "/" + std::to_string(db);
}

RedisUrl parse_redis_url(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == npos) invalid("it does not start with redis://");
    const auto scheme = lower(url.substr(0, scheme_end));
    if (scheme == "rediss") {
        throw std::invalid_argument(
            "rediss:// (TLS) is not supported by this build; use redis:// on a private network "
            "or a TLS proxy such as stunnel");
    }
    if (scheme != "redis") invalid("the scheme is '" + scheme + "', not redis");

    RedisUrl out;
    auto rest = url.substr(scheme_end + 3);
    // The last '@' ends the user info, so an unescaped '@', '/' or '?' in a password still works.
    const auto at = rest.rfind('@');
    if (at != npos) {
        parse_userinfo(rest.substr(0, at), out);
        rest = rest.substr(at + 1);
    }
    if (rest.find_first_of("?#") != npos) {
        invalid("query parameters and fragments are not supported");
    }
    const auto slash = rest.find('/');
    parse_host_port(rest.substr(0, slash), out);
    if (slash != npos) {
        const auto db = rest.substr(slash + 1);
        if (!db.empty() && (!parse_number(db, out.db) || out.db < 0)) {
            invalid("the database after '/' must be a number (0, 1, ...)");
        }
    }
    return out;
}

}  // namespace companion::cache
