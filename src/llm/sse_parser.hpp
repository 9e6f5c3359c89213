// An incremental Server-Sent Events parser (the WHATWG event-stream rules): bytes go in as they
// arrive, split anywhere; complete events come out. Lines end with CRLF, LF or CR; `:` lines are
// comments; `data:` lines of one event are joined with \n; a blank line ends the event.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace companion::llm {

struct SseEvent {
    std::string type;  // the `event:` field, "" when none was sent
    std::string data;
};

class SseParser {
  public:
    explicit SseParser(std::size_t max_event_bytes = 1 << 20);

    // Appends the events the bytes complete to `events`. After an event grew past
    // max_event_bytes the parser has failed: it ignores everything that follows.
    void feed(std::string_view bytes, std::vector<SseEvent>& events);

    bool failed() const { return failed_; }
    // True while an event or a line has begun but not ended (the stream was cut short).
    bool mid_event() const { return !line_.empty() || data_lines_ > 0; }

  private:
    void take_line(std::vector<SseEvent>& events);

    std::size_t max_event_bytes_;
    std::string line_;
    std::string data_;
    std::string type_;
    std::size_t data_lines_ = 0;
    bool after_cr_ = false;  // the last byte was CR: an LF right after it ends nothing
    bool first_line_ = true;
    bool failed_ = false;
};

}  // namespace companion::llm
