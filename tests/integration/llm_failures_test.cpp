// Every way a call to the LLM server can fail, through the fake server as a real process: what
// the caller gets (kind, message, partial text) and whether it was retried.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <optional>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "support/fake_llm.hpp"
#include "support/fake_llm_client.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

using Kind = llm::LlmError::Kind;

std::string message_of(const llm::LlmError& error) {
    return error.what();
}

TEST(LlmFailures, ARefusedConnectionIsUnavailableAfterTheRetries) {
    const auto port = free_port();  // nothing listens there
    auto options = fast_llm_options("http://127.0.0.1:" + std::to_string(port) + "/v1");
    LlmHarness llm(options);
    const auto error = llm_error_of([&] { llm.complete(); });
    EXPECT_EQ(error.kind(), Kind::unavailable);
    EXPECT_NE(message_of(error).find("cannot connect to http://127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << error.what();
    EXPECT_FALSE(error.received_tokens());
}

TEST(LlmFailures, ServerErrorsThenSuccessAreRetried) {
    FakeLlm fake;
    fake.configure(R"({"reply": "finally", "sequence": [{"status": 503}, {"status": 500}]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    const auto completion = llm.complete();
    EXPECT_EQ(completion.text, "finally");
    EXPECT_EQ(completion.attempts, 3);
    EXPECT_EQ(fake.chat_requests().size(), 3u);
}

TEST(LlmFailures, AStreamIsRetriedAfterServerErrorsBeforeItsFirstToken) {
    FakeLlm fake;
    fake.configure(R"({"reply": "streamed", "sequence": [{"status": 502}]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    const auto completion = llm.stream(chat_request(), deltas);
    EXPECT_EQ(deltas.joined(), "streamed");
    EXPECT_EQ(completion.attempts, 2);
}

TEST(LlmFailures, TooManyRequestsIsRetriedAfterTheServersRetryAfter) {
    FakeLlm fake;
    fake.configure(R"({"sequence": [{"status": 429, "retry_after": 1}]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    llm::Completion completion;
    const auto took = elapsed_ms([&] { completion = llm.complete(); });
    EXPECT_EQ(completion.attempts, 2);
    EXPECT_GE(took, 950);
}

TEST(LlmFailures, ServerErrorsThatOutlastTheRetriesAreAnUpstreamErrorWithTheServersMessage) {
    FakeLlm fake;
    fake.configure(R"({"status": 500, "error_message": "CUDA out of memory"})");
    auto options = fast_llm_options(fake.base_url());
    options.max_retries = 3;
    LlmHarness llm(options);
    const auto error = llm_error_of([&] { llm.complete(); });
    EXPECT_EQ(error.kind(), Kind::upstream_error);
    EXPECT_EQ(error.upstream_status(), 500);
    EXPECT_EQ(message_of(error), "the LLM server answered 500: CUDA out of memory");
    EXPECT_EQ(fake.chat_requests().size(), 4u);
}

TEST(LlmFailures, AnOverloadedServerIsUnavailable) {
    FakeLlm fake;
    fake.configure(R"({"status": 503})");
    auto options = fast_llm_options(fake.base_url());
    options.max_retries = 0;
    LlmHarness llm(options);
    EXPECT_EQ(llm_error_of([&] { llm.complete(); }).kind(), Kind::unavailable);
    fake.configure(R"({"status": 429})");
    EXPECT_EQ(llm_error_of([&] { llm.complete(); }).kind(), Kind::unavailable);
}

TEST(LlmFailures, ClientErrorsAreNotRetried) {
    FakeLlm fake;
    fake.configure(R"({"status": 400, "error_message": "context length exceeded"})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    const auto error = llm_error_of([&] { llm.complete(); });
    EXPECT_EQ(error.kind(), Kind::upstream_error);
    EXPECT_EQ(error.upstream_status(), 400);
    EXPECT_NE(message_of(error).find("context length exceeded"), std::string::npos);
    EXPECT_EQ(fake.chat_requests().size(), 1u);
}

TEST(LlmFailures, AnErrorAfterTheFirstTokenIsNotRetriedAndKeepsThePartialText) {
    FakeLlm fake;
    fake.configure(R"({"tokens": ["one", " two", " three"], "error_after_tokens": 2,
                       "error_message": "the GPU fell over"})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    const auto error = llm_error_of([&] { llm.stream(chat_request(), deltas); });
    EXPECT_EQ(error.kind(), Kind::upstream_error);
    EXPECT_TRUE(error.received_tokens());
    EXPECT_EQ(error.partial_text(), "one two");
    EXPECT_EQ(deltas.joined(), "one two");
    EXPECT_NE(message_of(error).find("the GPU fell over"), std::string::npos);
    EXPECT_EQ(fake.chat_requests().size(), 1u);
}

TEST(LlmFailures, AnErrorEventBeforeTheFirstTokenIsRetried) {
    FakeLlm fake;
    fake.configure(R"({"reply": "ok", "sequence": [{"error_after_tokens": 0}]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    EXPECT_EQ(llm.stream(chat_request(), deltas).text, "ok");
    EXPECT_EQ(deltas.joined(), "ok");
    EXPECT_EQ(fake.chat_requests().size(), 2u);
}

TEST(LlmFailures, AMidStreamDisconnectIsAnErrorWithThePartialTextAndIsNotRetried) {
    FakeLlm fake;
    fake.configure(R"({"tokens": ["a", "b", "c", "d", "e"], "disconnect_after_tokens": 3})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    const auto error = llm_error_of([&] { llm.stream(chat_request(), deltas); });
    EXPECT_EQ(error.kind(), Kind::upstream_error);
    EXPECT_EQ(error.partial_text(), "abc");
    EXPECT_NE(message_of(error).find("broke off after 3 characters"), std::string::npos)
        << error.what();
    EXPECT_EQ(fake.chat_requests().size(), 1u);
}

TEST(LlmFailures, ADisconnectBeforeTheFirstTokenIsRetried) {
    FakeLlm fake;
    fake.configure(R"({"reply": "second time", "sequence": [{"disconnect_after_tokens": 0}]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    EXPECT_EQ(llm.stream(chat_request(), deltas).text, "second time");
    EXPECT_EQ(fake.chat_requests().size(), 2u);
}

TEST(LlmFailures, ADisconnectInsteadOfAWholeAnswerIsRetried) {
    FakeLlm fake;
    fake.configure(R"({"reply": "whole", "sequence": [{"disconnect_after_tokens": 0}]})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    EXPECT_EQ(llm.complete().text, "whole");
    EXPECT_EQ(fake.chat_requests().size(), 2u);
}

TEST(LlmFailures, AMalformedChunkIsAnUpstreamError) {
    FakeLlm fake;
    fake.configure(R"({"tokens": ["fine", " then"], "malformed_after_tokens": 1})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    const auto error = llm_error_of([&] { llm.stream(chat_request(), deltas); });
    EXPECT_EQ(error.kind(), Kind::upstream_error);
    EXPECT_EQ(error.partial_text(), "fine");
    EXPECT_NE(message_of(error).find("malformed"), std::string::npos) << error.what();
    EXPECT_EQ(fake.chat_requests().size(), 1u);
}

TEST(LlmFailures, AMalformedChunkBeforeAnyTokenIsNotRetriedEither) {
    FakeLlm fake;
    fake.configure(R"({"malformed_after_tokens": 0})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    const auto error = llm_error_of([&] { llm.stream(chat_request(), deltas); });
    EXPECT_EQ(error.kind(), Kind::upstream_error);
    EXPECT_FALSE(error.received_tokens());
    EXPECT_EQ(fake.chat_requests().size(), 1u);
}

TEST(LlmFailures, NoFirstTokenInTimeIsATimeoutThatIsNotRetried) {
    FakeLlm fake;
    fake.configure(R"({"first_token_delay_ms": 1500})");
    auto options = fast_llm_options(fake.base_url());
    options.first_token_timeout = std::chrono::milliseconds(300);
    LlmHarness llm(options);
    Deltas deltas;
    std::optional<llm::LlmError> error;
    const auto took =
        elapsed_ms([&] { error = llm_error_of([&] { llm.stream(chat_request(), deltas); }); });
    EXPECT_EQ(error->kind(), Kind::timeout);
    EXPECT_NE(message_of(*error).find("LLM_FIRST_TOKEN_TIMEOUT_SECONDS"), std::string::npos)
        << error->what();
    EXPECT_GE(took, 280);
    EXPECT_LT(took, 2000);
    EXPECT_EQ(fake.chat_requests().size(), 1u);
    // The fake sees the connection close when it next writes.
    EXPECT_TRUE(eventually([&] { return fake.chat_requests()[0].at("outcome") == "client_closed"; },
                           std::chrono::seconds(5)));
}

TEST(LlmFailures, AServerThatNeverAnswersHitsTheTotalTimeoutAndIsLeft) {
    FakeLlm fake;
    fake.configure(R"({"hang": true})");
    auto options = fast_llm_options(fake.base_url());
    options.total_timeout = std::chrono::milliseconds(400);
    LlmHarness llm(options);
    std::optional<llm::LlmError> error;
    const auto took = elapsed_ms([&] { error = llm_error_of([&] { llm.complete(); }); });
    EXPECT_EQ(error->kind(), Kind::timeout);
    EXPECT_NE(message_of(*error).find("LLM_TIMEOUT_SECONDS"), std::string::npos) << error->what();
    EXPECT_GE(took, 380);
    EXPECT_LT(took, 2000);
    EXPECT_TRUE(eventually([&] { return fake.chat_requests()[0].at("outcome") == "client_closed"; },
                           std::chrono::seconds(2)));
}

TEST(LlmFailures, ASlowStreamHitsTheTotalTimeoutWithItsPartialText) {
    FakeLlm fake;
    fake.configure(R"({"tokens": ["a","b","c","d","e","f","g","h","i","j","k","l"],
                       "token_interval_ms": 100})");
    auto options = fast_llm_options(fake.base_url());
    options.total_timeout = std::chrono::milliseconds(550);
    LlmHarness llm(options);
    Deltas deltas;
    const auto error = llm_error_of([&] { llm.stream(chat_request(), deltas); });
    EXPECT_EQ(error.kind(), Kind::timeout);
    EXPECT_TRUE(error.received_tokens());
    EXPECT_GE(error.partial_text().size(), 2u);
    EXPECT_LT(error.partial_text().size(), 12u);
    EXPECT_EQ(error.partial_text(), deltas.joined());
    EXPECT_EQ(fake.chat_requests().size(), 1u);
}

TEST(LlmFailures, ASinkAnsweringFalseCancelsTheUpstreamRequestAtOnce) {
    FakeLlm fake;
    fake.configure(R"({"tokens": [
        "t1","t2","t3","t4","t5","t6","t7","t8","t9","t10","t11","t12","t13","t14","t15","t16",
        "t17","t18","t19","t20","t21","t22","t23","t24","t25","t26","t27","t28","t29","t30"],
        "token_interval_ms": 100})");
    LlmHarness llm(fast_llm_options(fake.base_url()));
    Deltas deltas;
    const auto error = llm_error_of([&] { llm.stream(chat_request(), deltas, 3); });
    EXPECT_EQ(error.kind(), Kind::cancelled);
    EXPECT_EQ(error.partial_text(), "t1t2t3");
    EXPECT_EQ(deltas.count(), 3u);
    // The fake notices the closed connection at its next writes, long before its 30 tokens.
    EXPECT_TRUE(eventually([&] { return fake.chat_requests()[0].at("outcome") == "client_closed"; },
                           std::chrono::seconds(2)));
    EXPECT_LE(fake.chat_requests()[0].at("tokens_sent").as_int64(), 6);
    EXPECT_EQ(fake.chat_requests().size(), 1u);
}

TEST(LlmFailures, ANonRoutableConnectIsBoundedByTheConnectTimeout) {
    // A listening socket whose accept queue is full drops further SYNs: connect() hangs.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener, 0), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) {
        const int filler = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        ::connect(filler, reinterpret_cast<sockaddr*>(&address), sizeof address);
        fillers.push_back(filler);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto options =
        fast_llm_options("http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/v1");
    options.connect_timeout = std::chrono::milliseconds(300);
    options.max_retries = 0;
    LlmHarness llm(options);
    std::optional<llm::LlmError> error;
    const auto took = elapsed_ms([&] { error = llm_error_of([&] { llm.complete(); }); });
    EXPECT_EQ(error->kind(), Kind::unavailable);
    EXPECT_NE(message_of(*error).find("LLM_CONNECT_TIMEOUT_SECONDS"), std::string::npos)
        << error->what();
    EXPECT_GE(took, 280);
    EXPECT_LT(took, 2000);
    for (const int filler : fillers) ::close(filler);
    ::close(listener);
}

}  // namespace
}  // namespace companion::testing
