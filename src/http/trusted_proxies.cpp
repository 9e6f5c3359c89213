#include "http/trusted_proxies.hpp"

#include <array>
#include <charconv>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>

namespace companion::http {

namespace asio = boost::asio;

struct TrustedProxies::Range {
    std::array<unsigned char, 16> bytes{};
    bool v4 = false;
    int prefix = 0;
};

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// The address as 16 bytes (IPv4 mapped into IPv6 form counts as IPv4).
std::optional<std::pair<std::array<unsigned char, 16>, bool>> parse_address(std::string_view text) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(std::string(trim(text)), ec);
    if (ec) return std::nullopt;
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    std::array<unsigned char, 16> bytes{};
    if (address.is_v4()) {
        const auto v4 = address.to_v4().to_bytes();
        std::copy(v4.begin(), v4.end(), bytes.begin());
        return std::make_pair(bytes, true);
    }
    const auto v6 = address.to_v6().to_bytes();
    std::copy(v6.begin(), v6.end(), bytes.begin());
    return std::make_pair(bytes, false);
}

bool in_range(const std::array<unsigned char, 16>& bytes, int prefix,
              const std::array<unsigned char, 16>& base) {
    for (int bit = 0; bit < prefix; ++bit) {
        const int byte = bit / 8;
        const unsigned char mask = static_cast<unsigned char>(0x80 >> (bit % 8));
        if ((bytes[static_cast<std::size_t>(byte)] & mask) !=
            (base[static_cast<std::size_t>(byte)] & mask)) {
            return false;
        }
    }
    return true;
}

std::optional<TrustedProxies::Range> parse_range(std::string_view entry) {
    entry = trim(entry);
    const auto slash = entry.find('/');
    const auto parsed = parse_address(entry.substr(0, slash));
    if (!parsed) return std::nullopt;
    TrustedProxies::Range range;
    range.bytes = parsed->first;
    range.v4 = parsed->second;
    const int bits = range.v4 ? 32 : 128;
    range.prefix = bits;
    if (slash != std::string_view::npos) {
        const auto digits = entry.substr(slash + 1);
        int prefix = -1;
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() ||
            prefix < 0 || prefix > bits) {
            return std::nullopt;
        }
        range.prefix = prefix;
    }
    return range;
}

}  // namespace

bool is_proxy_entry(std::string_view entry) { return parse_range(entry).has_value(); }

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
    for (const auto& entry : entries) {
        auto range = parse_range(entry);
        if (!range) throw std::invalid_argument("not an IP address or CIDR range: " + entry);
        ranges_.push_back(*range);
    }
}

TrustedProxies::~TrustedProxies() = default;
TrustedProxies::TrustedProxies(TrustedProxies&&) noexcept = default;

bool TrustedProxies::empty() const { return ranges_.empty(); }

bool TrustedProxies::contains(std::string_view address) const {
    const auto parsed = parse_address(address);
    if (!parsed) return false;
    for (const auto& range : ranges_) {
        if (range.v4 == parsed->second && in_range(parsed->first, range.prefix, range.bytes)) {
            return true;
        }
    }
    return false;
}

std::string TrustedProxies::client_address(std::string_view peer,
                                           std::string_view forwarded_for) const {
    if (forwarded_for.empty() || !contains(peer)) return std::string(peer);
    // Right to left: each hop was appended by the proxy in front of it.
    std::string_view rest = forwarded_for;
    while (!rest.empty()) {
        const auto comma = rest.rfind(',');
        const auto hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        if (!parse_address(hop)) return std::string(peer);  // garbage: trust nothing of it
        if (!contains(hop) || rest.empty()) return std::string(hop);
    }
    return std::string(peer);
}

Middleware forwarded_client(std::shared_ptr<const TrustedProxies> proxies) {
    return [proxies = std::move(proxies)](Request& request,
                                          const Handler& next) -> boost::asio::awaitable<Response> {
        if (!proxies->empty()) {
            request.client_ip =
                proxies->client_address(request.client_ip, request.header("X-Forwarded-For"));
        }
        co_return co_await next(request);
    };
}

}  // namespace companion::http
