// The LLM client's protection of the server and of itself: the concurrency cap with its bounded
// queue, and the circuit breaker (open, fail fast, half-open trial), against the fake server.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "support/fake_llm.hpp"
#include "support/fake_llm_client.hpp"

namespace companion::testing {
namespace {

using Kind = llm::LlmError::Kind;
using std::chrono::milliseconds;

TEST(LlmConcurrency, NoMoreThanTheCapAreInFlightAndTheRestWaitTheirTurn) {
    FakeLlm fake;
    fake.configure(R"({"first_token_delay_ms": 200})");
    auto options = fast_llm_options(fake.base_url());
    options.max_concurrency = 2;
    options.queue_size = 10;
    LlmHarness llm(options, 4);
    std::vector<std::future<llm::Completion>> calls;
    for (int i = 0; i < 6; ++i) calls.push_back(llm.start_complete());
    for (auto& call : calls) EXPECT_FALSE(call.get().text.empty());
    const auto stats = fake.stats();
    EXPECT_EQ(stats.at("chat_requests").as_int64(), 6);
    EXPECT_EQ(stats.at("max_chat_in_flight").as_int64(), 2);
}

TEST(LlmConcurrency, TwoHundredConcurrentStreamsAllCompleteIntact) {
    FakeLlm fake;
    fake.configure(R"({"tokens": ["a", "b", "c", "d", "e", "f", "g", "h"],
                       "token_interval_ms": 20})");
    auto options = fast_llm_options(fake.base_url());
    options.max_concurrency = 256;
    LlmHarness llm(options, 4);
    std::vector<std::shared_ptr<Deltas>> deltas;
    std::vector<std::future<llm::Completion>> calls;
    for (int i = 0; i < 200; ++i) {
        deltas.push_back(std::make_shared<Deltas>());
        calls.push_back(llm.start_stream(chat_request(), deltas.back()));
    }
    for (std::size_t i = 0; i < calls.size(); ++i) {
        EXPECT_EQ(calls[i].get().text, "abcdefgh");
        EXPECT_EQ(deltas[i]->count(), 8u);
    }
    const auto stats = fake.stats();
    EXPECT_EQ(stats.at("chat_requests").as_int64(), 200);
    EXPECT_GE(stats.at("max_chat_in_flight").as_int64(), 100);
    EXPECT_LE(stats.at("api_connections").as_int64(), 200);
}

TEST(LlmConcurrency, AFullQueueRefusesAtOnceAsUnavailable) {
    FakeLlm fake;
    fake.configure(R"({"first_token_delay_ms": 800})");
    auto options = fast_llm_options(fake.base_url());
    options.max_concurrency = 1;
    options.queue_size = 1;
    LlmHarness llm(options);
    auto running = llm.start_complete();
    ASSERT_TRUE(eventually([&] { return fake.stats().at("chat_in_flight").as_int64() == 1; },
                           std::chrono::seconds(5)));
    auto waiting = llm.start_complete();
    std::this_thread::sleep_for(milliseconds(200));  // let it take the one place in the queue
    std::optional<llm::LlmError> refused;
    const auto took = elapsed_ms([&] { refused = llm_error_of([&] { llm.complete(); }); });
    EXPECT_EQ(refused->kind(), Kind::unavailable);
    EXPECT_NE(std::string(refused->what()).find("LLM_QUEUE_SIZE"), std::string::npos)
        << refused->what();
    EXPECT_LT(took, 300);
    EXPECT_FALSE(running.get().text.empty());
    EXPECT_FALSE(waiting.get().text.empty());
    EXPECT_EQ(fake.stats().at("chat_requests").as_int64(), 2);
}

TEST(LlmCircuitBreaker, OpensAfterConsecutiveFailuresThenFailsFastWithoutCallingTheServer) {
    FakeLlm fake;
    fake.configure(R"({"status": 500})");
    auto options = fast_llm_options(fake.base_url());
    options.max_retries = 0;
    options.breaker_failures = 3;
    options.breaker_open_for = milliseconds(60000);
    LlmHarness llm(options);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(llm_error_of([&] { llm.complete(); }).kind(), Kind::upstream_error);
    }
    fake.configure(R"({"status": 200})");
    std::optional<llm::LlmError> error;
    const auto took = elapsed_ms([&] { error = llm_error_of([&] { llm.complete(); }); });
    EXPECT_EQ(error->kind(), Kind::unavailable);
    EXPECT_NE(std::string(error->what()).find("circuit open"), std::string::npos) << error->what();
    EXPECT_LT(took, 100);
    EXPECT_EQ(fake.chat_requests().size(), 3u);
}

TEST(LlmCircuitBreaker, AfterTheOpenPeriodOneSuccessfulTrialClosesIt) {
    FakeLlm fake;
    fake.configure(R"({"status": 502})");
    auto options = fast_llm_options(fake.base_url());
    options.max_retries = 0;
    options.breaker_failures = 2;
    options.breaker_open_for = milliseconds(400);
    LlmHarness llm(options);
    llm_error_of([&] { llm.complete(); });
    llm_error_of([&] { llm.complete(); });
    EXPECT_EQ(llm_error_of([&] { llm.complete(); }).kind(), Kind::unavailable);
    fake.configure(R"({"reply": "back"})");
    std::this_thread::sleep_for(milliseconds(450));
    EXPECT_EQ(llm.complete().text, "back");  // the trial
    EXPECT_EQ(llm.complete().text, "back");  // closed again
    EXPECT_EQ(fake.chat_requests().size(), 4u);
}

TEST(LlmCircuitBreaker, AFailedTrialOpensItAgain) {
    FakeLlm fake;
    fake.configure(R"({"status": 500})");
    auto options = fast_llm_options(fake.base_url());
    options.max_retries = 0;
    options.breaker_failures = 1;
    options.breaker_open_for = milliseconds(300);
    LlmHarness llm(options);
    llm_error_of([&] { llm.complete(); });
    std::this_thread::sleep_for(milliseconds(350));
    EXPECT_EQ(llm_error_of([&] { llm.complete(); }).upstream_status(), 500);  // the failed trial
    const auto error = llm_error_of([&] { llm.complete(); });
    EXPECT_EQ(error.kind(), Kind::unavailable);
    EXPECT_NE(std::string(error.what()).find("circuit open"), std::string::npos);
    EXPECT_EQ(fake.chat_requests().size(), 2u);
}

TEST(LlmCircuitBreaker, HalfOpenLetsOnlyOneTrialThroughAtATime) {
    FakeLlm fake;
    fake.configure(R"({"status": 500})");
    auto options = fast_llm_options(fake.base_url());
    options.max_retries = 0;
    options.breaker_failures = 1;
    options.breaker_open_for = milliseconds(200);
    LlmHarness llm(options);
    llm_error_of([&] { llm.complete(); });
    fake.configure(R"({"first_token_delay_ms": 600})");
    std::this_thread::sleep_for(milliseconds(250));
    auto trial = llm.start_complete();
    ASSERT_TRUE(eventually([&] { return fake.stats().at("chat_in_flight").as_int64() == 1; },
                           std::chrono::seconds(5)));
    const auto error = llm_error_of([&] { llm.complete(); });
    EXPECT_EQ(error.kind(), Kind::unavailable);
    EXPECT_FALSE(trial.get().text.empty());
    EXPECT_FALSE(llm.complete().text.empty());
    EXPECT_EQ(fake.chat_requests().size(), 3u);
}

TEST(LlmCircuitBreaker, ClientErrorsDoNotOpenIt) {
    FakeLlm fake;
    fake.configure(R"({"status": 400})");
    auto options = fast_llm_options(fake.base_url());
    options.breaker_failures = 2;
    options.breaker_open_for = milliseconds(60000);
    LlmHarness llm(options);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(llm_error_of([&] { llm.complete(); }).upstream_status(), 400);
    }
    EXPECT_EQ(fake.chat_requests().size(), 4u);
}

}  // namespace
}  // namespace companion::testing
