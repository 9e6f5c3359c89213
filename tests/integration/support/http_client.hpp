// A small blocking HTTP/1.1 client over a real socket, for black-box tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace companion::testing {

struct HttpResponse {
    unsigned status = 0;
    std::multimap<std::string, std::string> headers;  // names in lower case
    std::string body;
    bool keep_alive = false;

    std::string header(const std::string& lower_case_name) const;
    bool has_header(const std::string& lower_case_name) const;
};

using Headers = std::map<std::string, std::string>;

class HttpClient {
public:
    explicit HttpClient(std::uint16_t port,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    HttpResponse request(std::string_view method, std::string_view target,
                         const Headers& headers = {}, std::string body = {});
    HttpResponse get(std::string_view target, const Headers& headers = {});

    // Raw bytes, for malformed, partial and slow requests.
    void send_raw(std::string_view bytes);
    HttpResponse read_response(bool response_to_head = false);
    // Raw bytes as they arrive (headers and chunk framing included) until `needle` has appeared
    // `times` times; throws std::runtime_error when that takes longer than the client's timeout.
    std::string read_raw_until(std::string_view needle, int times = 1);
    // Closes the connection at once, as a client that goes away.
    void close();
    // True when the server closes the connection within `wait` (reads until EOF or reset).
    bool closed_by_peer(std::chrono::milliseconds wait);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace companion::testing
