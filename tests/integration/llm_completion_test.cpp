// The LLM client against the fake OpenAI-compatible server as a real process: what it sends,
// what it makes of streamed and whole answers, connection reuse, embeddings, the probe, metrics.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "metrics/registry.hpp"
#include "support/fake_llm.hpp"
#include "support/fake_llm_client.hpp"

namespace companion::testing {
namespace {

namespace json = boost::json;

TEST(LlmCompletion, SendsModelSamplingSettingsAndTheExactMessages) {
    FakeLlm fake;
    fake.configure(R"({"reply": "Nice to meet you."})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    auto request = chat_request("I had a long day \xE2\x80\x94 \"really\" long.");
    request.temperature = 0.2;
    const auto completion = llm.complete(request);
    EXPECT_EQ(completion.text, "Nice to meet you.");
    EXPECT_EQ(completion.finish_reason, "stop");
    EXPECT_EQ(completion.model, "fake-model");
    EXPECT_EQ(completion.attempts, 1);

    const auto chats = fake.chat_requests();
    ASSERT_EQ(chats.size(), 1u);
    const auto& sent = chats[0].as_object();
    EXPECT_EQ(sent.at("method"), "POST");
    EXPECT_EQ(sent.at("path"), "/v1/chat/completions");
    EXPECT_EQ(sent.at("headers").at("content-type"), "application/json");
    EXPECT_FALSE(sent.at("headers").as_object().contains("authorization"));
    const auto& body = sent.at("body").as_object();
    EXPECT_EQ(body.at("model"), "test-model");
    EXPECT_EQ(body.at("temperature").as_double(), 0.2);
    EXPECT_EQ(body.at("max_tokens").as_int64(), 100);
    EXPECT_EQ(body.at("stream"), false);
    EXPECT_EQ(
        body.at("messages"),
        (json::array{json::object{{"role", "system"}, {"content", "You are a test companion."}},
                     json::object{{"role", "user"},
                                  {"content", "I had a long day \xE2\x80\x94 \"really\" long."}}}));
}

TEST(LlmCompletion, ReportsTheUsageTheServerSent) {
    FakeLlm fake;
    fake.configure(R"({"tokens": ["a", "b", "c"]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    const auto completion = llm.complete();
    EXPECT_TRUE(completion.usage.reported);
    EXPECT_EQ(completion.usage.completion_tokens, 3);
    EXPECT_GT(completion.usage.prompt_tokens, 0);
    fake.configure(R"({"usage": false})");
    EXPECT_FALSE(llm.complete().usage.reported);
}

TEST(LlmCompletion, MaxTokensAreSentAndALengthFinishIsReported) {
    FakeLlm fake;
    fake.configure(R"({"tokens": ["1", "2", "3", "4", "5"]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    auto request = chat_request();
    request.max_tokens = 2;
    const auto completion = llm.complete(request);
    EXPECT_EQ(completion.text, "12");
    EXPECT_EQ(completion.finish_reason, "length");
    EXPECT_EQ(fake.chat_requests()[0].at("body").at("max_tokens").as_int64(), 2);
}

TEST(LlmStream, DeliversEachDeltaInOrderWithUsage) {
    FakeLlm fake;
    fake.configure(R"({"tokens": ["Bon", "jour", " \u00e0", " toi", " \ud83d\ude00"]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    const auto completion = llm.stream(chat_request(), deltas);
    EXPECT_EQ(deltas.all(),
              (std::vector<std::string>{"Bon", "jour", " \xC3\xA0", " toi", " \xF0\x9F\x98\x80"}));
    EXPECT_EQ(completion.text, deltas.joined());
    EXPECT_EQ(completion.finish_reason, "stop");
    EXPECT_TRUE(completion.usage.reported);
    EXPECT_EQ(completion.usage.completion_tokens, 5);
    EXPECT_LE(completion.time_to_first_token, completion.latency);

    const auto chats = fake.chat_requests();
    const auto& body = chats[0].at("body").as_object();
    EXPECT_EQ(body.at("stream"), true);
    EXPECT_EQ(body.at("stream_options").at("include_usage"), true);
    EXPECT_EQ(chats[0].at("headers").at("accept"), "text/event-stream");
}

TEST(LlmStream, EventsCutIntoTinyWritesWithCrLfAndCommentsAreReassembled) {
    FakeLlm fake;
    fake.configure(
        R"({"reply": "Every piece arrives whole, even split.", "chunk_bytes": 3,
            "crlf": true, "comments": true})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    const auto completion = llm.stream(chat_request(), deltas);
    EXPECT_EQ(completion.text, "Every piece arrives whole, even split.");
    EXPECT_EQ(deltas.count(), 6u);
    EXPECT_TRUE(completion.usage.reported);
}

TEST(LlmStream, WithoutUsageFromTheServerUsageIsNotReported) {
    FakeLlm fake;
    fake.configure(R"({"usage": false})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    const auto completion = llm.stream(chat_request(), deltas);
    EXPECT_FALSE(completion.usage.reported);
    EXPECT_EQ(completion.usage.completion_tokens, 0);
    EXPECT_FALSE(completion.text.empty());
}

TEST(LlmStream, AServerThatIgnoresStreamingStillFeedsTheSink) {
    FakeLlm fake;
    fake.configure(R"({"reply": "All at once.", "ignore_stream": true})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    const auto completion = llm.stream(chat_request(), deltas);
    EXPECT_EQ(deltas.all(), std::vector<std::string>{"All at once."});
    EXPECT_EQ(completion.text, "All at once.");
}

TEST(LlmCompletion, SendsTheApiKeyAsBearer) {
    FakeLlm fake;
    fake.configure(R"({"require_api_key": "sk-test-123"})");
    auto options = fast_llm_options(fake.base_url());
    options.api_key = "sk-test-123";
    LlmHarness llm(options);
    EXPECT_FALSE(llm.complete().text.empty());
    Deltas deltas;
    EXPECT_FALSE(llm.stream(chat_request(), deltas).text.empty());
    EXPECT_TRUE(llm.probe());
    for (const auto& request : fake.requests()) {
        EXPECT_EQ(request.at("headers").at("authorization"), "Bearer sk-test-123");
    }
}

TEST(LlmCompletion, AWrongApiKeyIsAnUpstreamErrorNamingTheSettingAndIsNotRetried) {
    FakeLlm fake;
    fake.configure(R"({"require_api_key": "right"})");
    auto options = fast_llm_options(fake.base_url());
    options.api_key = "wrong";
    LlmHarness llm(options);
    const auto error = llm_error_of([&] { llm.complete(); });
    EXPECT_EQ(error.kind(), llm::LlmError::Kind::upstream_error);
    EXPECT_EQ(error.upstream_status(), 401);
    EXPECT_NE(std::string(error.what()).find("LM_STUDIO_API_KEY"), std::string::npos)
        << error.what();
    EXPECT_EQ(std::string(error.what()).find("wrong"), std::string::npos) << error.what();
    EXPECT_EQ(fake.chat_requests().size(), 1u);
}

TEST(LlmConnections, SequentialCallsReuseOneKeptAliveConnection) {
    FakeLlm fake;
    LlmHarness llm(fast_llm_options(fake.base_url()));
    for (int i = 0; i < 5; ++i) llm.complete();
    Deltas deltas;
    llm.stream(chat_request(), deltas);
    llm.complete();
    EXPECT_EQ(fake.stats().at("api_connections").as_int64(), 1);
}

TEST(LlmConnections, AConnectionTheServerClosedWhileIdleIsReplacedSilently) {
    FakeLlm fake;
    LlmHarness llm(fast_llm_options(fake.base_url()));
    llm.complete();
    fake.stop();
    fake.start();  // same port; the pooled connection is dead
    fake.configure(R"({"reply": "fresh"})");
    EXPECT_EQ(llm.complete().text, "fresh");
    EXPECT_EQ(fake.chat_requests().size(), 1u);
}

TEST(LlmConnections, ConnectionCloseAnswersAreNotReused) {
    FakeLlm fake;
    fake.configure(R"({"close_connection": true})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    for (int i = 0; i < 3; ++i) llm.complete();
    EXPECT_EQ(fake.stats().at("api_connections").as_int64(), 3);
}

TEST(LlmEmbeddings, BatchesTheInputsAndKeepsTheirOrder) {
    FakeLlm fake;
    auto options = fast_llm_options(fake.base_url());
    options.embedding_batch_size = 2;
    LlmHarness llm(options);
    const std::vector<std::string> inputs{"I love hiking", "my sister Ana", "hiking in spring",
                                          "coffee", "Ana called"};
    const auto vectors = llm.embed(inputs, "nomic-embed");
    ASSERT_EQ(vectors.size(), 5u);
    for (const auto& vector : vectors) EXPECT_EQ(vector.size(), 32u);
    // The fake's vectors are a function of the text: each input matches its own vector.
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        EXPECT_EQ(llm.embed({inputs[i]}, "nomic-embed")[0], vectors[i]) << inputs[i];
    }
    const auto embeddings = fake.requests();
    ASSERT_EQ(embeddings.size(), 8u);  // 3 batches, then 5 single inputs
    EXPECT_EQ(embeddings[0].at("path"), "/v1/embeddings");
    EXPECT_EQ(embeddings[0].at("body").at("model"), "nomic-embed");
    EXPECT_EQ(embeddings[0].at("body").at("input"),
              (json::array{"I love hiking", "my sister Ana"}));
    EXPECT_EQ(embeddings[2].at("body").at("input"), (json::array{"Ana called"}));
}

TEST(LlmEmbeddings, NoInputsMeansNoRequest) {
    FakeLlm fake;
    LlmHarness llm(fast_llm_options(fake.base_url()));
    EXPECT_TRUE(llm.embed({}).empty());
    EXPECT_TRUE(fake.requests().empty());
}

TEST(LlmEmbeddings, ServerErrorsAreRetriedThenReported) {
    FakeLlm fake;
    fake.configure(R"({"sequence": [{"status": 503}]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    EXPECT_EQ(llm.embed({"x"}).size(), 1u);
    fake.configure(R"({"status": 500, "error_message": "embedding model not loaded"})");
    const auto error = llm_error_of([&] { llm.embed({"x"}); });
    EXPECT_EQ(error.kind(), llm::LlmError::Kind::upstream_error);
    EXPECT_NE(std::string(error.what()).find("embedding model not loaded"), std::string::npos);
}

TEST(LlmProbe, IsTrueWhileTheServerAnswersModelsAndFalseOtherwise) {
    FakeLlm fake;
    LlmHarness llm(fast_llm_options(fake.base_url()));
    EXPECT_TRUE(llm.probe());
    EXPECT_EQ(fake.requests().back().at("path"), "/v1/models");
    fake.configure(R"({"models_status": 500})");
    EXPECT_FALSE(llm.probe());
    fake.stop();
    EXPECT_FALSE(llm.probe());
}

TEST(LlmProbe, IsCachedForTheProbeInterval) {
    FakeLlm fake;
    auto options = fast_llm_options(fake.base_url());
    options.probe_interval = std::chrono::seconds(60);
    LlmHarness llm(options);
    EXPECT_TRUE(llm.probe());
    fake.stop();
    EXPECT_TRUE(llm.probe());  // cached
}

TEST(LlmMetrics, CountCallsTokensDurationsAndFirstTokenTimes) {
    FakeLlm fake;
    fake.configure(R"({"tokens": ["x", "y"]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    llm.complete();
    Deltas deltas;
    llm.stream(chat_request(), deltas);
    fake.configure(R"({"status": 400})");
    llm_error_of([&] { llm.complete(); });
    const auto text = llm.registry().expose();
    EXPECT_NE(text.find(R"(llm_requests_total{status="success"} 2)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"(llm_requests_total{status="upstream_error"} 1)"), std::string::npos);
    EXPECT_NE(text.find(R"(llm_requests_total{status="timeout"} 0)"), std::string::npos);
    EXPECT_NE(text.find(R"(llm_tokens_total{kind="completion"} 4)"), std::string::npos) << text;
    EXPECT_NE(text.find("llm_request_duration_seconds_count 3"), std::string::npos) << text;
    EXPECT_NE(text.find("llm_time_to_first_token_seconds_count 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace companion::testing
