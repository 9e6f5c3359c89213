#include "llm/sse_parser.hpp"

#include <utility>

namespace companion::llm {
namespace {

constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

}  // namespace

SseParser::SseParser(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

void SseParser::feed(std::string_view bytes, std::vector<SseEvent>& events) {
    std::size_t at = 0;
    while (!failed_ && at < bytes.size()) {
        if (after_cr_) {
            after_cr_ = false;
            if (bytes[at] == '\n') {
                ++at;
                continue;
            }
        }
        const std::size_t end = bytes.find_first_of("\r\n", at);
        const std::size_t stop = end == std::string_view::npos ? bytes.size() : end;
        line_.append(bytes.substr(at, stop - at));
        if (line_.size() + data_.size() > max_event_bytes_) {
            failed_ = true;
            break;
        }
        if (end == std::string_view::npos) break;
        after_cr_ = bytes[end] == '\r';
        take_line(events);
        at = end + 1;
    }
}

void SseParser::take_line(std::vector<SseEvent>& events) {
    std::string_view line = line_;
    if (first_line_) {
        first_line_ = false;
        if (line.starts_with(byte_order_mark)) line.remove_prefix(byte_order_mark.size());
    }
    if (line.empty()) {
        if (data_lines_ > 0) events.push_back(SseEvent{std::move(type_), std::move(data_)});
        data_.clear();
        type_.clear();
        data_lines_ = 0;
    } else if (line.front() != ':') {
        const std::size_t colon = line.find(':');
        const std::string_view field = line.substr(0, colon);
        std::string_view value;
        if (colon != std::string_view::npos) {
            value = line.substr(colon + 1);
            if (value.starts_with(' ')) value.remove_prefix(1);
        }
        if (field == "data") {
            if (data_lines_++ > 0) data_ += '\n';
            data_.append(value);
        } else if (field == "event") {
            type_.assign(value);
        }
        // `id` and `retry` matter to reconnecting browsers only; other fields are ignored.
    }
    line_.clear();
}

}  // namespace companion::llm
