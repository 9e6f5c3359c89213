// The client address behind reverse proxies: X-Forwarded-For is believed only when the peer that
// sent it is a trusted proxy (TRUSTED_PROXIES: addresses or CIDR ranges), and then only as far as
// the chain stays within trusted proxies: the client is the right-most address that is not one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/middleware.hpp"

namespace companion::http {

class TrustedProxies {
public:
    // Throws std::invalid_argument naming an entry that is not an IPv4/IPv6 address or CIDR.
    explicit TrustedProxies(const std::vector<std::string>& entries);
    ~TrustedProxies();
    TrustedProxies(TrustedProxies&&) noexcept;

    bool empty() const;
    bool contains(std::string_view address) const;
    // The client of a request from `peer` with this X-Forwarded-For value ("" when absent).
    std::string client_address(std::string_view peer, std::string_view forwarded_for) const;

    struct Range;  // one address range, defined in the .cpp

private:
    std::vector<Range> ranges_;
};

// Whether the entry is an address or CIDR range TrustedProxies accepts.
bool is_proxy_entry(std::string_view entry);

// Sets Request::client_ip from X-Forwarded-For when the peer is a trusted proxy. Goes first, so
// that logs, rate limits and the audit log see the real client.
Middleware forwarded_client(std::shared_ptr<const TrustedProxies> proxies);

}  // namespace companion::http
