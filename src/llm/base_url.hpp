// Where the LLM server is: LM_STUDIO_BASE_URL taken apart for connecting and for request targets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace companion::llm {

struct BaseUrl {
    bool tls = false;
    std::string host;  // for DNS and certificate checks: no brackets around IPv6
    std::uint16_t port = 0;
    std::string path;         // "/v1" (no trailing slash; "" for the root)
    std::string host_header;  // host[:port] as the Host header wants it
    bool host_is_ip = false;  // no SNI for an IP address

    // path + "/chat/completions"
    std::string target(std::string_view endpoint) const { return path + std::string(endpoint); }
    // scheme://host:port, for messages
    std::string origin() const;
};

// Throws std::invalid_argument naming what is wrong (scheme, host, port, query).
BaseUrl parse_base_url(std::string_view url);

}  // namespace companion::llm
