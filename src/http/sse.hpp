// Server-sent events (text/event-stream) framing and the headers a streamed answer carries.
#pragma once

#include <string>
#include <string_view>

#include "http/message.hpp"

namespace companion::http {

// "event: <name>\ndata: <line>\n...\n\n"; each line of `data` gets its own data: field. An empty
// name leaves the event line out (the default "message" event, as OpenAI streams use).
std::string sse_event(std::string_view name, std::string_view data);

// Content-Type text/event-stream, Cache-Control: no-cache, X-Accel-Buffering: no (nginx passes
// each event on at once), and the stream itself.
Response sse_response(StreamBody stream);

// Whether the client asked for a stream by its Accept header.
bool accepts_event_stream(const Request& request);

}  // namespace companion::http
