// The LLM client's settings: defaults, validation with messages naming the variable, masking of
// the API key, and their translation into LlmOptions.
#include <gtest/gtest.h>

#include "config/settings.hpp"
#include "llm/llm_options.hpp"

namespace companion::llm {
namespace {

using config::ConfigError;
using config::EnvMap;

std::string error_of(const EnvMap& env) {
    try {
        config::load_settings({}, env);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "";
}

std::string shown(const config::Settings& settings, const std::string& name) {
    for (const auto& [key, value] : config::describe(settings)) {
        if (key == name) return value;
    }
    ADD_FAILURE() << name << " is not described";
    return "";
}

TEST(LlmSettings, DefaultsAreTheDocumentedOnes) {
    const auto s = config::load_settings({}, {});
    EXPECT_EQ(s.lm_studio_api_key, "");
    EXPECT_EQ(s.llm_connect_timeout_seconds, 5);
    EXPECT_EQ(s.llm_first_token_timeout_seconds, 60);
    EXPECT_EQ(s.llm_timeout_seconds, 300);
    EXPECT_EQ(s.llm_max_retries, 2);
    EXPECT_EQ(s.llm_max_concurrency, 32);
    EXPECT_EQ(s.llm_queue_size, 256);
    EXPECT_EQ(s.llm_breaker_failures, 5);
    EXPECT_EQ(s.llm_breaker_open_seconds, 5);
    EXPECT_EQ(s.llm_probe_interval_seconds, 10);
    EXPECT_EQ(s.llm_ca_file, "");
    EXPECT_EQ(shown(s, "LM_STUDIO_API_KEY"), "<not set>");
    EXPECT_EQ(shown(s, "LLM_CA_FILE"), "<not set>");
    EXPECT_EQ(shown(s, "LLM_TIMEOUT_SECONDS"), "300");
}

TEST(LlmSettings, TimeoutsMustBePositiveNumbersOfSeconds) {
    for (const char* name :
         {"LLM_CONNECT_TIMEOUT_SECONDS", "LLM_FIRST_TOKEN_TIMEOUT_SECONDS", "LLM_TIMEOUT_SECONDS",
          "LLM_BREAKER_OPEN_SECONDS", "LLM_PROBE_INTERVAL_SECONDS"}) {
        SCOPED_TRACE(name);
        for (const char* bad : {"0", "-1", "abc", "nan", "inf", "1e9", ""}) {
            const auto error = error_of({{name, bad}});
            EXPECT_EQ(error.rfind(std::string(name) + "=", 0), 0u) << error;
            EXPECT_NE(error.find("is invalid: expected a number of seconds greater than 0"),
                      std::string::npos)
                << error;
        }
    }
    EXPECT_EQ(error_of({{"LLM_TIMEOUT_SECONDS", "0"}}),
              "LLM_TIMEOUT_SECONDS=\"0\" is invalid: expected a number of seconds greater than 0 "
              "and at most 86400");
    const auto s = config::load_settings({}, {{"LLM_CONNECT_TIMEOUT_SECONDS", "0.25"},
                                              {"LLM_FIRST_TOKEN_TIMEOUT_SECONDS", "1.5"},
                                              {"LLM_TIMEOUT_SECONDS", "30"}});
    EXPECT_EQ(s.llm_connect_timeout_seconds, 0.25);
    EXPECT_EQ(s.llm_first_token_timeout_seconds, 1.5);
    EXPECT_EQ(s.llm_timeout_seconds, 30);
}

TEST(LlmSettings, CountsHaveTheirRanges) {
    EXPECT_EQ(error_of({{"LLM_MAX_RETRIES", "11"}}),
              "LLM_MAX_RETRIES=\"11\" is invalid: expected an integer from 0 to 10");
    EXPECT_EQ(error_of({{"LLM_MAX_CONCURRENCY", "0"}}),
              "LLM_MAX_CONCURRENCY=\"0\" is invalid: expected an integer from 1 to 100000");
    EXPECT_EQ(error_of({{"LLM_QUEUE_SIZE", "-1"}}),
              "LLM_QUEUE_SIZE=\"-1\" is invalid: expected an integer from 0 to 1000000");
    EXPECT_EQ(error_of({{"LLM_BREAKER_FAILURES", "x"}}),
              "LLM_BREAKER_FAILURES=\"x\" is invalid: expected an integer from 0 to 1000");
    EXPECT_EQ(config::load_settings({}, {{"LLM_QUEUE_SIZE", "0"}}).llm_queue_size, 0);
    EXPECT_EQ(config::load_settings({}, {{"LLM_BREAKER_FAILURES", "0"}}).llm_breaker_failures, 0);
}

TEST(LlmSettings, BaseUrlMustBeHttpOrHttps) {
    EXPECT_EQ(error_of({{"LM_STUDIO_BASE_URL", "localhost:1234/v1"}}),
              "LM_STUDIO_BASE_URL=\"localhost:1234/v1\" is invalid: expected an http:// or "
              "https:// URL with a host, e.g. http://localhost:1234/v1");
    EXPECT_NE(error_of({{"LM_STUDIO_BASE_URL", "ws://localhost:1234/v1"}}), "");
}

TEST(LlmSettings, ApiKeyIsNeverShownNorEchoedInErrors) {
    const auto s = config::load_settings({}, {{"LM_STUDIO_API_KEY", "sk-abcdef123456"}});
    EXPECT_EQ(s.lm_studio_api_key, "sk-abcdef123456");
    EXPECT_EQ(shown(s, "LM_STUDIO_API_KEY"), "<set, 15 characters>");
    const auto error = error_of({{"LM_STUDIO_API_KEY", "sk-abc def"}});
    EXPECT_EQ(error,
              "LM_STUDIO_API_KEY is invalid: expected a value without spaces or control "
              "characters");
    EXPECT_EQ(error.find("sk-abc"), std::string::npos);
}

TEST(LlmSettings, EmptyApiKeyAndCaFileMeanNotSet) {
    const auto s = config::load_settings({}, {{"LM_STUDIO_API_KEY", " "}, {"LLM_CA_FILE", ""}});
    EXPECT_EQ(s.lm_studio_api_key, "");
    EXPECT_EQ(s.llm_ca_file, "");
    EXPECT_EQ(config::load_settings({}, {{"LLM_CA_FILE", "/etc/my ca.pem"}}).llm_ca_file,
              "/etc/my ca.pem");
}

TEST(LlmOptionsFromSettings, CarriesEverySetting) {
    const auto s = config::load_settings({}, {{"LM_STUDIO_BASE_URL", "https://llm.example.com/v1/"},
                                              {"LM_STUDIO_MODEL_NAME", "qwen"},
                                              {"LM_STUDIO_TEMPERATURE", "0.3"},
                                              {"LM_STUDIO_MAX_TOKENS", "99"},
                                              {"LM_STUDIO_API_KEY", "k"},
                                              {"LLM_CA_FILE", "/tmp/ca.pem"},
                                              {"LLM_CONNECT_TIMEOUT_SECONDS", "0.5"},
                                              {"LLM_FIRST_TOKEN_TIMEOUT_SECONDS", "2"},
                                              {"LLM_TIMEOUT_SECONDS", "7.25"},
                                              {"LLM_MAX_RETRIES", "4"},
                                              {"LLM_MAX_CONCURRENCY", "3"},
                                              {"LLM_QUEUE_SIZE", "9"},
                                              {"LLM_BREAKER_FAILURES", "6"},
                                              {"LLM_BREAKER_OPEN_SECONDS", "1.5"},
                                              {"LLM_PROBE_INTERVAL_SECONDS", "0.2"}});
    const auto o = options_from_settings(s);
    EXPECT_EQ(o.base_url, "https://llm.example.com/v1");
    EXPECT_EQ(o.model, "qwen");
    EXPECT_EQ(o.temperature, 0.3);
    EXPECT_EQ(o.max_tokens, 99);
    EXPECT_EQ(o.api_key, "k");
    EXPECT_EQ(o.ca_file, "/tmp/ca.pem");
    EXPECT_EQ(o.connect_timeout, std::chrono::milliseconds(500));
    EXPECT_EQ(o.first_token_timeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(o.total_timeout, std::chrono::milliseconds(7250));
    EXPECT_EQ(o.max_retries, 4);
    EXPECT_EQ(o.max_concurrency, 3u);
    EXPECT_EQ(o.queue_size, 9u);
    EXPECT_EQ(o.breaker_failures, 6);
    EXPECT_EQ(o.breaker_open_for, std::chrono::milliseconds(1500));
    EXPECT_EQ(o.probe_interval, std::chrono::milliseconds(200));
}

}  // namespace
}  // namespace companion::llm
