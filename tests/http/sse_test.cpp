#include "http/sse.hpp"

#include <gtest/gtest.h>

namespace companion::http {
namespace {

TEST(Sse, AnEventIsItsNameAndOneDataFieldPerLine) {
    EXPECT_EQ(sse_event("delta", R"({"text":"hi"})"), "event: delta\ndata: {\"text\":\"hi\"}\n\n");
    EXPECT_EQ(sse_event("note", "one\ntwo"), "event: note\ndata: one\ndata: two\n\n");
    EXPECT_EQ(sse_event("", "[DONE]"), "data: [DONE]\n\n");
}

TEST(Sse, TheResponseIsAnUnbufferedEventStream) {
    auto response = sse_response([](BodyWriter&) -> boost::asio::awaitable<void> { co_return; });
    EXPECT_EQ(response.content_type, "text/event-stream; charset=utf-8");
    EXPECT_EQ(response.header("Cache-Control"), "no-cache");
    EXPECT_EQ(response.header("X-Accel-Buffering"), "no");
    EXPECT_TRUE(static_cast<bool>(response.stream));
}

TEST(Sse, TheAcceptHeaderAsksForAStream) {
    Request request;
    EXPECT_FALSE(accepts_event_stream(request));
    request.headers.emplace_back("Accept", "application/json, text/event-stream");
    EXPECT_TRUE(accepts_event_stream(request));
}

}  // namespace
}  // namespace companion::http
