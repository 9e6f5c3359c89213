#include "llm/sse_parser.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "llm/openai_json.hpp"

namespace companion::llm {
namespace {

// A stream as LM Studio sends it (role chunk, content chunks with multi-byte UTF-8, finish,
// usage, [DONE]), with a keep-alive comment and an event spread over two data lines.
const std::string recorded_stream =
    ": keep-alive\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"qwen\","
    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
    "\"finish_reason\":null}]}\n\n"
    "data: "
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Bonjour\"},\"finish_reason\":null}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" \xC3\xA0 toi \xF0\x9F\x98\x80\"},"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":\n"
    "data: {\"content\":\"!\"},\"finish_reason\":null}]}\n\n"
    "event: message\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,"
    "\"total_tokens\":17}}\n\n"
    "data: [DONE]\n\n";

std::string with_line_ends(const std::string& text, const std::string& eol) {
    std::string out;
    for (const char c : text) {
        if (c == '\n') {
            out += eol;
        } else {
            out += c;
        }
    }
    return out;
}

std::vector<SseEvent> parse_whole(const std::string& text) {
    SseParser parser;
    std::vector<SseEvent> events;
    parser.feed(text, events);
    return events;
}

// Feeds the text in pieces cut at random places (some empty, many one byte long).
std::vector<SseEvent> parse_split(const std::string& text, unsigned seed) {
    std::mt19937 random(seed);
    SseParser parser;
    std::vector<SseEvent> events;
    std::size_t at = 0;
    std::uniform_int_distribution<int> kind(0, 3);
    while (at < text.size()) {
        std::size_t length = 0;
        switch (kind(random)) {
            case 0:
                length = 0;
                break;
            case 1:
                length = 1;
                break;
            case 2:
                length = std::uniform_int_distribution<std::size_t>(1, 8)(random);
                break;
            default:
                length = std::uniform_int_distribution<std::size_t>(1, 200)(random);
                break;
        }
        length = std::min(length, text.size() - at);
        parser.feed(std::string_view(text).substr(at, length), events);
        at += length;
    }
    EXPECT_FALSE(parser.mid_event());
    return events;
}

// What the client makes of the events: the text and the usage.
std::string text_of(const std::vector<SseEvent>& events) {
    std::string text;
    for (const auto& event : events) {
        if (event.data == "[DONE]") break;
        text += parse_stream_chunk(event.data).delta;
    }
    return text;
}

void expect_same(const std::vector<SseEvent>& actual, const std::vector<SseEvent>& expected) {
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(actual[i].type, expected[i].type) << i;
        EXPECT_EQ(actual[i].data, expected[i].data) << i;
    }
}

TEST(SseParser, RecordedStreamGivesItsEventsInOrder) {
    const auto events = parse_whole(recorded_stream);
    ASSERT_EQ(events.size(), 7u);
    EXPECT_EQ(
        events[3].data,
        "{\"choices\":[{\"index\":0,\"delta\":\n{\"content\":\"!\"},\"finish_reason\":null}]}");
    EXPECT_EQ(events[4].type, "message");
    EXPECT_EQ(events[6].data, "[DONE]");
    EXPECT_EQ(text_of(events), "Bonjour \xC3\xA0 toi \xF0\x9F\x98\x80!");
    EXPECT_EQ(parse_stream_chunk(events[5].data).usage->completion_tokens, 5);
}

TEST(SseParser, AnySplitOfTheStreamGivesTheSameEvents) {
    const auto expected = parse_whole(recorded_stream);
    for (unsigned seed = 0; seed < 2000; ++seed) {
        SCOPED_TRACE(seed);
        expect_same(parse_split(recorded_stream, seed), expected);
    }
}

TEST(SseParser, CrLfAndCrLineEndsGiveTheSameEventsAtAnySplit) {
    const auto expected = parse_whole(recorded_stream);
    for (const std::string eol : {"\r\n", "\r"}) {
        const std::string text = with_line_ends(recorded_stream, eol);
        expect_same(parse_whole(text), expected);
        for (unsigned seed = 0; seed < 1000; ++seed) {
            SCOPED_TRACE(seed);
            expect_same(parse_split(text, seed), expected);
        }
    }
}

TEST(SseParser, EverySingleCutPointGivesTheSameEvents) {
    const std::string text = with_line_ends(recorded_stream, "\r\n");
    const auto expected = parse_whole(text);
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        SseParser parser;
        std::vector<SseEvent> events;
        parser.feed(std::string_view(text).substr(0, cut), events);
        parser.feed(std::string_view(text).substr(cut), events);
        SCOPED_TRACE(cut);
        expect_same(events, expected);
    }
}

TEST(SseParser, CommentsAndUnknownFieldsAreIgnored) {
    const auto events = parse_whole(": ping\nid: 7\nretry: 100\nfoo: bar\ndata: x\n\n:\n\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "x");
}

TEST(SseParser, OnlyOneSpaceAfterTheColonIsRemoved) {
    const auto events = parse_whole("data:x\n\ndata:  y\n\ndata\n\n");
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].data, "x");
    EXPECT_EQ(events[1].data, " y");
    EXPECT_EQ(events[2].data, "");
}

TEST(SseParser, BlankLinesWithoutDataDispatchNothing) {
    EXPECT_TRUE(parse_whole("\n\n\r\n\revent: x\n\n").empty());
}

TEST(SseParser, ALeadingByteOrderMarkIsSkipped) {
    const auto events = parse_whole(
        "\xEF\xBB\xBF"
        "data: a\n\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "a");
}

TEST(SseParser, AnUnfinishedEventIsNotDispatched) {
    SseParser parser;
    std::vector<SseEvent> events;
    parser.feed("data: {\"choices\":[]}\n", events);
    EXPECT_TRUE(events.empty());
    EXPECT_TRUE(parser.mid_event());
    parser.feed("\n", events);
    EXPECT_EQ(events.size(), 1u);
    EXPECT_FALSE(parser.mid_event());
}

TEST(SseParser, AnOversizedEventFailsTheParser) {
    SseParser parser(64);
    std::vector<SseEvent> events;
    parser.feed("data: " + std::string(40, 'a') + "\n", events);
    EXPECT_FALSE(parser.failed());
    parser.feed("data: " + std::string(40, 'b') + "\n\n", events);
    EXPECT_TRUE(parser.failed());
    EXPECT_TRUE(events.empty());
    parser.feed("data: late\n\n", events);
    EXPECT_TRUE(events.empty());
}

TEST(SseParser, AMalformedChunkInsideAWellFormedEventIsAMalformedAnswer) {
    const auto events = parse_whole("data: {\"choices\": [\n\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_THROW(parse_stream_chunk(events[0].data), MalformedAnswer);
}

TEST(SseParser, RandomBytesNeverCrashAndRespectTheLimit) {
    for (unsigned seed = 0; seed < 300; ++seed) {
        std::mt19937 random(seed);
        std::uniform_int_distribution<int> byte(0, 255);
        std::string noise(2000, '\0');
        for (char& c : noise) c = static_cast<char>(byte(random));
        SseParser parser(256);
        std::vector<SseEvent> events;
        parser.feed(noise, events);
        for (const auto& event : events) EXPECT_LE(event.data.size(), 256u);
    }
}

}  // namespace
}  // namespace companion::llm
