#include "http/sse.hpp"

namespace companion::http {

std::string sse_event(std::string_view name, std::string_view data) {
    std::string out;
    out.reserve(name.size() + data.size() + 24);
    if (!name.empty()) {
        out += "event: ";
        out += name;
        out += '\n';
    }
    std::size_t start = 0;
    while (true) {
        const auto end = data.find('\n', start);
        out += "data: ";
        out += data.substr(start, end == std::string_view::npos ? end : end - start);
        out += '\n';
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    out += '\n';
    return out;
}

Response sse_response(StreamBody stream) {
    Response response;
    response.content_type = "text/event-stream; charset=utf-8";
    response.headers.emplace_back("Cache-Control", "no-cache");
    response.headers.emplace_back("X-Accel-Buffering", "no");
    response.stream = std::move(stream);
    return response;
}

bool accepts_event_stream(const Request& request) {
    return request.header("Accept").find("text/event-stream") != std::string_view::npos;
}

}  // namespace companion::http
