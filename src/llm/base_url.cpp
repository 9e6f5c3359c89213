#include "llm/base_url.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <boost/url/parse.hpp>

namespace companion::llm {

std::string BaseUrl::origin() const {
    const bool v6 = host.find(':') != std::string::npos;
    const std::string shown = v6 ? fmt::format("[{}]", host) : host;
    return fmt::format("{}://{}:{}", tls ? "https" : "http", shown, port);
}

BaseUrl parse_base_url(std::string_view text) {
    const auto parsed = boost::urls::parse_uri(text);
    if (!parsed) {
        throw std::invalid_argument("LM_STUDIO_BASE_URL is not a valid URL: " +
                                    parsed.error().message());
    }
    const auto& url = *parsed;
    BaseUrl out;
    const std::string scheme = url.scheme();
    if (scheme == "https") {
        out.tls = true;
    } else if (scheme != "http") {
        throw std::invalid_argument("LM_STUDIO_BASE_URL must start with http:// or https://");
    }
    if (!url.has_authority() || url.encoded_host().empty()) {
        throw std::invalid_argument("LM_STUDIO_BASE_URL has no host");
    }
    if (url.has_query() || url.has_fragment()) {
        throw std::invalid_argument("LM_STUDIO_BASE_URL must not have a query or fragment");
    }
    switch (url.host_type()) {
        case boost::urls::host_type::ipv6:
            out.host = url.host_ipv6_address().to_string();
            break;
        case boost::urls::host_type::ipv4:
            out.host = url.host_ipv4_address().to_string();
            break;
        default:
            out.host = url.host();
            break;
    }
    out.host_is_ip = url.host_type() == boost::urls::host_type::ipv4 ||
                     url.host_type() == boost::urls::host_type::ipv6;
    const std::uint16_t default_port = out.tls ? 443 : 80;
    out.port = url.has_port() ? url.port_number() : default_port;
    if (url.has_port() && out.port == 0) {
        throw std::invalid_argument("LM_STUDIO_BASE_URL has an invalid port");
    }
    out.host_header = std::string(url.encoded_host());
    if (out.port != default_port) out.host_header = fmt::format("{}:{}", out.host_header, out.port);
    out.path = std::string(url.encoded_path());
    while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
    return out;
}

}  // namespace companion::llm
