// The URL helpers of the configuration: recognising schemes, hosts and origins, and finding or
// masking the password a URL carries.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace companion::config {

// The lowercased scheme of `scheme://...`, or "" when the text does not start with one.
std::string url_scheme(std::string_view text);

// True when the text has a space, a control character or DEL: never valid in a host or URL.
bool has_space_or_control(std::string_view text);

// True when the authority after the `scheme://` of the URL, its user info dropped, is
// host[:port] (host may be a bracketed IPv6 address, port is 1 to 65535). Expects `://`.
bool url_has_host(std::string_view url);

// True when the text is exactly scheme://host[:port]: no user info, path, query or fragment.
bool is_origin(std::string_view text);

// The URL with the password of its user info (and of a `password=` query parameter) replaced by
// ***, for logs and messages. Text that is not a URL is returned unchanged.
std::string mask_url_password(std::string_view url);

// The percent-decoded password of the URL's user info, else of its `password=` query parameter;
// nullopt when it has neither.
std::optional<std::string> url_password(std::string_view url);

}  // namespace companion::config
