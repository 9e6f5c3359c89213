#include "llm/openai_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace companion::llm {
namespace {

namespace json = boost::json;

TEST(ChatRequestBody, CarriesModelMessagesAndSamplingSettings) {
    ChatRequest request;
    request.messages = {{"system", "Be kind."}, {"user", "Hi \"there\"\n"}};
    const auto body = json::parse(chat_request_body(request, "qwen", 0.25, 77, false)).as_object();
    EXPECT_EQ(body.at("model"), "qwen");
    EXPECT_EQ(body.at("temperature").as_double(), 0.25);
    EXPECT_EQ(body.at("max_tokens").as_int64(), 77);
    EXPECT_EQ(body.at("stream"), false);
    EXPECT_FALSE(body.contains("stream_options"));
    const auto& messages = body.at("messages").as_array();
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[1].at("role"), "user");
    EXPECT_EQ(messages[1].at("content"), "Hi \"there\"\n");
}

TEST(ChatRequestBody, StreamingAsksForUsage) {
    const auto body = json::parse(chat_request_body({}, "m", 0.7, 10, true)).as_object();
    EXPECT_EQ(body.at("stream"), true);
    EXPECT_EQ(body.at("stream_options").at("include_usage"), true);
}

TEST(EmbeddingsRequestBody, HoldsTheBatchOnly) {
    const std::vector<std::string> inputs{"a", "b", "c", "d"};
    const auto body = json::parse(embeddings_request_body(inputs, 1, 2, "embed")).as_object();
    EXPECT_EQ(body.at("model"), "embed");
    EXPECT_EQ(body.at("input"), (json::array{"b", "c"}));
}

TEST(ParseChatCompletion, ReadsTextFinishModelAndUsage) {
    const auto parsed = parse_chat_completion(
        R"({"id":"x","model":"qwen","choices":[{"index":0,"message":{"role":"assistant",
        "content":"Hello"},"finish_reason":"length"}],"usage":{"prompt_tokens":3,
        "completion_tokens":2,"total_tokens":5}})");
    EXPECT_EQ(parsed.text, "Hello");
    EXPECT_EQ(parsed.finish_reason, "length");
    EXPECT_EQ(parsed.model, "qwen");
    ASSERT_TRUE(parsed.usage);
    EXPECT_EQ(parsed.usage->prompt_tokens, 3);
    EXPECT_EQ(parsed.usage->completion_tokens, 2);
    EXPECT_TRUE(parsed.usage->reported);
}

TEST(ParseChatCompletion, NullContentAndMissingUsageAreAccepted) {
    const auto parsed =
        parse_chat_completion(R"({"choices":[{"message":{"content":null},"finish_reason":null}]})");
    EXPECT_EQ(parsed.text, "");
    EXPECT_FALSE(parsed.usage);
}

TEST(ParseChatCompletion, MalformedAnswersAreRefused) {
    for (const char* bad :
         {"", "not json", "[]", R"({"choices":[]})", R"({"choices":{}})",
          R"({"choices":[{"message":"text"}]})", R"({"choices":[{"message":{"content":5}}]})",
          R"({"choices":[{}]})", R"({"error":{"message":"model not loaded"}})",
          R"({"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":"x"}})"}) {
        SCOPED_TRACE(bad);
        EXPECT_THROW(parse_chat_completion(bad), MalformedAnswer);
    }
}

TEST(ParseStreamChunk, ReadsDeltaFinishAndUsage) {
    auto chunk = parse_stream_chunk(R"({"model":"m","choices":[{"delta":{"content":"Hi"}}]})");
    EXPECT_EQ(chunk.delta, "Hi");
    EXPECT_EQ(chunk.model, "m");
    chunk = parse_stream_chunk(R"({"choices":[{"delta":{},"finish_reason":"stop"}]})");
    EXPECT_EQ(chunk.delta, "");
    EXPECT_EQ(chunk.finish_reason, "stop");
    chunk =
        parse_stream_chunk(R"({"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":9}})");
    ASSERT_TRUE(chunk.usage);
    EXPECT_EQ(chunk.usage->completion_tokens, 9);
    chunk = parse_stream_chunk(
        R"({"choices":[{"delta":{"role":"assistant","content":null}}],"usage":null})");
    EXPECT_EQ(chunk.delta, "");
    EXPECT_FALSE(chunk.usage);
}

TEST(ParseStreamChunk, AnErrorObjectIsReported) {
    const auto chunk = parse_stream_chunk(R"({"error":{"message":"out of memory","code":500}})");
    ASSERT_TRUE(chunk.error);
    EXPECT_EQ(*chunk.error, "out of memory");
}

TEST(ParseStreamChunk, MalformedChunksAreRefused) {
    for (const char* bad :
         {"{", "nope", "42", R"({"choices":"x"})", R"({"choices":[{"delta":"x"}]})",
          R"({"choices":[{"delta":{"content":1}}]})"}) {
        SCOPED_TRACE(bad);
        EXPECT_THROW(parse_stream_chunk(bad), MalformedAnswer);
    }
}

TEST(ParseEmbeddings, OrdersByIndex) {
    const auto vectors = parse_embeddings(
        R"({"data":[{"index":1,"embedding":[3,4]},{"index":0,"embedding":[1.5,2]}]})", 2);
    ASSERT_EQ(vectors.size(), 2u);
    EXPECT_EQ(vectors[0], (std::vector<float>{1.5f, 2.0f}));
    EXPECT_EQ(vectors[1], (std::vector<float>{3.0f, 4.0f}));
}

TEST(ParseEmbeddings, WrongCountDimensionOrShapeIsRefused) {
    for (const char* bad :
         {R"({"data":[{"embedding":[1]}]})", R"({"data":[{"embedding":[1]},{"embedding":[1,2]}]})",
          R"({"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[2]}]})",
          R"({"data":[{"index":5,"embedding":[1]},{"index":0,"embedding":[2]}]})",
          R"({"data":[{"embedding":["a"]},{"embedding":[1]}]})", R"({"data":[{},{}]})", "{}"}) {
        SCOPED_TRACE(bad);
        EXPECT_THROW(parse_embeddings(bad, 2), MalformedAnswer);
    }
}

TEST(ErrorMessageOf, FindsTheMessageInTheUsualShapes) {
    EXPECT_EQ(error_message_of(R"({"error":{"message":"bad key","type":"auth"}})"), "bad key");
    EXPECT_EQ(error_message_of(R"({"error":"model not found"})"), "model not found");
    EXPECT_EQ(error_message_of(R"({"detail":"Not Found"})"), "Not Found");
    EXPECT_EQ(error_message_of("Bad Gateway\n"), "Bad Gateway ");
}

TEST(ErrorMessageOf, IsOneLineAndBounded) {
    const auto message = error_message_of(std::string(1000, 'x'));
    EXPECT_EQ(message.size(), 303u);
    EXPECT_TRUE(message.ends_with("..."));
    EXPECT_EQ(error_message_of("a\r\nb").find('\n'), std::string::npos);
}

}  // namespace
}  // namespace companion::llm
