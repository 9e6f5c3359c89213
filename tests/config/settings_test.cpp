#include "config/settings.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace companion::config {
namespace {

Settings load(const EnvMap& process_env) {
    return load_settings({}, process_env);
}

// The ConfigError message for this environment, or "" when it loads.
std::string error_of(const EnvMap& process_env) {
    try {
        load(process_env);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "";
}

std::string shown(const Settings& settings, const std::string& name) {
    for (const auto& [key, value] : describe(settings)) {
        if (key == name) return value;
    }
    ADD_FAILURE() << name << " is not described";
    return "";
}

struct Range {
    std::string name;
    long long min;
    long long max;
};

const std::vector<Range> integer_ranges = {
    {"PORT", 1, 65535},
    {"JWT_EXPIRATION_HOURS", 1, 8760},
    {"POSTGRES_POOL_SIZE", 1, 1000},
    {"POSTGRES_MAX_OVERFLOW", 0, 1000},
    {"LM_STUDIO_MAX_TOKENS", 1, 1000000},
    {"RATE_LIMIT_REQUESTS_PER_MINUTE", 1, 1000000},
    {"RATE_LIMIT_FAIL_OPEN_SECONDS", 1, 3600},
    {"MAX_MESSAGE_LENGTH", 1, 1000000},
    {"MAX_REQUEST_BODY_BYTES", 1024, 104857600},
    {"SHORT_TERM_MEMORY_SIZE", 0, 1000},
    {"CONTEXT_TOKEN_BUDGET", 512, 10000000},
    {"LONG_TERM_MEMORY_TOP_K", 0, 100},
    {"WORKER_THREADS", 1, 1024},
    {"SHUTDOWN_GRACE_SECONDS", 0, 3600},
    {"HTTP_KEEPALIVE_TIMEOUT_SECONDS", 1, 3600},
    {"HTTP_READ_TIMEOUT_SECONDS", 1, 3600},
    {"HTTP_WRITE_TIMEOUT_SECONDS", 1, 3600},
    {"HTTP_MAX_HEADER_BYTES", 1024, 1048576},
    {"HTTP_MAX_CONNECTIONS", 1, 1000000},
    {"EMBEDDING_DIMENSIONS", 32, 4096},
    {"MEMORY_INDEX_CACHE_MB", 0, 1048576},
    {"MEMORY_RECENCY_HALF_LIFE_DAYS", 1, 36500},
};

const std::vector<Range> number_ranges = {
    {"LM_STUDIO_TEMPERATURE", 0, 2},
    {"MEMORY_SIMILARITY_THRESHOLD", 0, 1},
    {"MEMORY_KEYWORD_WEIGHT", 0, 1},
    {"MEMORY_RECENCY_WEIGHT", 0, 1},
    {"MEMORY_IMPORTANCE_WEIGHT", 0, 1},
};

TEST(SettingsDefaults, EveryVariableHasItsDocumentedDefault) {
    const Settings s = load({});
    EXPECT_EQ(s.environment, Environment::development);
    EXPECT_EQ(s.host, "0.0.0.0");
    EXPECT_EQ(s.port, 8000);
    EXPECT_TRUE(s.require_authentication);
    EXPECT_EQ(s.jwt_secret_key, "change-me-in-production");
    EXPECT_EQ(s.jwt_algorithm, JwtAlgorithm::HS256);
    EXPECT_EQ(s.jwt_expiration_hours, 24);
    EXPECT_EQ(s.postgres_url, "");
    EXPECT_EQ(s.postgres_pool_size, 20);
    EXPECT_EQ(s.postgres_max_overflow, 40);
    EXPECT_EQ(s.lm_studio_base_url, "http://localhost:1234/v1");
    EXPECT_EQ(s.lm_studio_model_name, "local-model");
    EXPECT_DOUBLE_EQ(s.lm_studio_temperature, 0.7);
    EXPECT_EQ(s.lm_studio_max_tokens, 2000);
    EXPECT_EQ(s.redis_url, "redis://localhost:6379/0");
    EXPECT_FALSE(s.redis_enabled);
    EXPECT_EQ(s.cors_origins, std::vector<std::string>{"*"});
    EXPECT_EQ(s.rate_limit_requests_per_minute, 60);
    EXPECT_EQ(s.rate_limit_fail_open_seconds, 60);
    EXPECT_EQ(s.log_level, LogLevel::info);
    EXPECT_EQ(s.max_message_length, 4000);
    EXPECT_EQ(s.max_request_body_bytes, 65536u);
    EXPECT_EQ(s.short_term_memory_size, 10);
    EXPECT_EQ(s.long_term_memory_top_k, 5);
    EXPECT_DOUBLE_EQ(s.memory_similarity_threshold, 0.2);
    EXPECT_EQ(s.embedding_provider, EmbeddingProvider::builtin);
    EXPECT_EQ(s.embedding_model, "text-embedding-nomic-embed-text-v1.5");
    EXPECT_EQ(s.embedding_dimensions, 384);
    EXPECT_EQ(s.embedding_base_url, "");
    EXPECT_EQ(s.memory_index_cache_mb, 256);
    EXPECT_DOUBLE_EQ(s.memory_keyword_weight, 0);
    EXPECT_DOUBLE_EQ(s.memory_recency_weight, 0.05);
    EXPECT_EQ(s.memory_recency_half_life_days, 30);
    EXPECT_DOUBLE_EQ(s.memory_importance_weight, 0.05);
    EXPECT_EQ(s.emotion_provider, EmotionProvider::builtin);
    EXPECT_FALSE(s.goal_detection);
    EXPECT_EQ(s.shutdown_grace_seconds, 20);
    EXPECT_EQ(s.data_dir, "./data");
    EXPECT_EQ(s.http_keepalive_timeout_seconds, 75);
    EXPECT_EQ(s.http_read_timeout_seconds, 15);
    EXPECT_EQ(s.http_write_timeout_seconds, 30);
    EXPECT_EQ(s.http_max_header_bytes, 16384u);
    EXPECT_EQ(s.http_max_connections, 20000);
    EXPECT_TRUE(s.unknown_env_file_keys.empty());
}

TEST(SettingsDefaults, WorkerThreadsDefaultToTheNumberOfCoresAndAtLeastOne) {
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    EXPECT_EQ(load({}).worker_threads, std::clamp(cores, 1, 1024));
}

TEST(SettingsDefaults, CorsAllowsAnyOriginByDefaultOnlyInDevelopment) {
    EXPECT_EQ(load({{"ENVIRONMENT", "development"}}).cors_origins, std::vector<std::string>{"*"});
    for (const char* environment : {"staging", "production", "test"}) {
        SCOPED_TRACE(environment);
        EXPECT_TRUE(load({{"ENVIRONMENT", environment}}).cors_origins.empty());
    }
}

TEST(SettingsDefaults, EmptyPostgresUrlAndCorsOriginsMeanUnset) {
    const Settings s = load({{"POSTGRES_URL", "  "}, {"CORS_ORIGINS", ""}});
    EXPECT_EQ(s.postgres_url, "");
    EXPECT_EQ(s.cors_origins, std::vector<std::string>{"*"});
    EXPECT_TRUE(load({{"ENVIRONMENT", "production"}, {"CORS_ORIGINS", ""}}).cors_origins.empty());
}

TEST(SettingsParsing, EveryVariableIsReadIntoItsOwnField) {
    const Settings s = load({
        {"ENVIRONMENT", "staging"},
        {"HOST", "127.0.0.1"},
        {"PORT", "9001"},
        {"REQUIRE_AUTHENTICATION", "false"},
        {"JWT_SECRET_KEY", "0123456789abcdef0123456789abcdef"},
        {"JWT_ALGORITHM", "HS512"},
        {"JWT_EXPIRATION_HOURS", "2"},
        {"POSTGRES_URL", "postgresql://app:pw@db:5432/app"},
        {"POSTGRES_POOL_SIZE", "3"},
        {"POSTGRES_MAX_OVERFLOW", "4"},
        {"LM_STUDIO_BASE_URL", "https://llm.example.com/v1"},
        {"LM_STUDIO_MODEL_NAME", "qwen"},
        {"LM_STUDIO_TEMPERATURE", "1.25"},
        {"LM_STUDIO_MAX_TOKENS", "5"},
        {"REDIS_URL", "rediss://cache:6380/1"},
        {"REDIS_ENABLED", "true"},
        {"CORS_ORIGINS", "https://app.example.com"},
        {"RATE_LIMIT_REQUESTS_PER_MINUTE", "6"},
        {"LOG_LEVEL", "debug"},
        {"MAX_MESSAGE_LENGTH", "7"},
        {"MAX_REQUEST_BODY_BYTES", "2048"},
        {"SHORT_TERM_MEMORY_SIZE", "8"},
        {"LONG_TERM_MEMORY_TOP_K", "9"},
        {"MEMORY_SIMILARITY_THRESHOLD", "0.25"},
        {"WORKER_THREADS", "11"},
        {"SHUTDOWN_GRACE_SECONDS", "12"},
        {"DATA_DIR", "/var/lib/companion"},
        {"HTTP_KEEPALIVE_TIMEOUT_SECONDS", "13"},
        {"HTTP_READ_TIMEOUT_SECONDS", "14"},
        {"HTTP_WRITE_TIMEOUT_SECONDS", "15"},
        {"HTTP_MAX_HEADER_BYTES", "4096"},
        {"HTTP_MAX_CONNECTIONS", "17"},
    });
    EXPECT_EQ(s.environment, Environment::staging);
    EXPECT_EQ(s.host, "127.0.0.1");
    EXPECT_EQ(s.port, 9001);
    EXPECT_FALSE(s.require_authentication);
    EXPECT_EQ(s.jwt_secret_key, "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(s.jwt_algorithm, JwtAlgorithm::HS512);
    EXPECT_EQ(s.jwt_expiration_hours, 2);
    EXPECT_EQ(s.postgres_url, "postgresql://app:pw@db:5432/app");
    EXPECT_EQ(s.postgres_pool_size, 3);
    EXPECT_EQ(s.postgres_max_overflow, 4);
    EXPECT_EQ(s.lm_studio_base_url, "https://llm.example.com/v1");
    EXPECT_EQ(s.lm_studio_model_name, "qwen");
    EXPECT_DOUBLE_EQ(s.lm_studio_temperature, 1.25);
    EXPECT_EQ(s.lm_studio_max_tokens, 5);
    EXPECT_EQ(s.redis_url, "rediss://cache:6380/1");
    EXPECT_TRUE(s.redis_enabled);
    EXPECT_EQ(s.cors_origins, std::vector<std::string>{"https://app.example.com"});
    EXPECT_EQ(s.rate_limit_requests_per_minute, 6);
    EXPECT_EQ(s.log_level, LogLevel::debug);
    EXPECT_EQ(s.max_message_length, 7);
    EXPECT_EQ(s.max_request_body_bytes, 2048u);
    EXPECT_EQ(s.short_term_memory_size, 8);
    EXPECT_EQ(s.long_term_memory_top_k, 9);
    EXPECT_DOUBLE_EQ(s.memory_similarity_threshold, 0.25);
    EXPECT_EQ(s.worker_threads, 11);
    EXPECT_EQ(s.shutdown_grace_seconds, 12);
    EXPECT_EQ(s.data_dir, "/var/lib/companion");
    EXPECT_EQ(s.http_keepalive_timeout_seconds, 13);
    EXPECT_EQ(s.http_read_timeout_seconds, 14);
    EXPECT_EQ(s.http_write_timeout_seconds, 15);
    EXPECT_EQ(s.http_max_header_bytes, 4096u);
    EXPECT_EQ(s.http_max_connections, 17);
}

TEST(SettingsParsing, EmbeddingVariablesAreReadIntoTheirFields) {
    const Settings s = load({{"EMBEDDING_PROVIDER", "OpenAI"},
                             {"EMBEDDING_MODEL", "text-embedding-3-small"},
                             {"EMBEDDING_DIMENSIONS", "512"},
                             {"EMBEDDING_BASE_URL", "https://embed:pw@emb.example.com/v1/"},
                             {"MEMORY_INDEX_CACHE_MB", "0"}});
    EXPECT_EQ(s.embedding_provider, EmbeddingProvider::openai);
    EXPECT_EQ(s.embedding_model, "text-embedding-3-small");
    EXPECT_EQ(s.embedding_dimensions, 512);
    EXPECT_EQ(s.embedding_base_url, "https://embed:pw@emb.example.com/v1");
    EXPECT_EQ(s.memory_index_cache_mb, 0);
    EXPECT_EQ(shown(s, "EMBEDDING_BASE_URL"), "https://embed:***@emb.example.com/v1");
    EXPECT_EQ(error_of({{"EMBEDDING_PROVIDER", "word2vec"}}),
              "EMBEDDING_PROVIDER=\"word2vec\" is invalid: expected one of builtin, openai");
    EXPECT_NE(error_of({{"EMBEDDING_BASE_URL", "ftp://x"}}).find("EMBEDDING_BASE_URL="),
              std::string::npos);
}

TEST(SettingsParsing, RecallEmotionAndGoalVariablesAreReadIntoTheirFields) {
    const Settings s = load({{"MEMORY_KEYWORD_WEIGHT", "0.3"},
                             {"MEMORY_RECENCY_WEIGHT", "0"},
                             {"MEMORY_RECENCY_HALF_LIFE_DAYS", "7"},
                             {"MEMORY_IMPORTANCE_WEIGHT", "0.1"},
                             {"EMOTION_PROVIDER", "LLM"},
                             {"GOAL_DETECTION", "true"}});
    EXPECT_DOUBLE_EQ(s.memory_keyword_weight, 0.3);
    EXPECT_DOUBLE_EQ(s.memory_recency_weight, 0);
    EXPECT_EQ(s.memory_recency_half_life_days, 7);
    EXPECT_DOUBLE_EQ(s.memory_importance_weight, 0.1);
    EXPECT_EQ(s.emotion_provider, EmotionProvider::llm);
    EXPECT_TRUE(s.goal_detection);
    EXPECT_EQ(to_string(EmotionProvider::builtin), "builtin");
    EXPECT_EQ(error_of({{"EMOTION_PROVIDER", "vibes"}}),
              "EMOTION_PROVIDER=\"vibes\" is invalid: expected one of builtin, llm");
}

TEST(SettingsDefaults, SimilarityThresholdDefaultsToTheEmbeddersCalibration) {
    EXPECT_DOUBLE_EQ(load({}).memory_similarity_threshold, kBuiltinSimilarityThreshold);
    EXPECT_DOUBLE_EQ(load({{"EMBEDDING_PROVIDER", "openai"}}).memory_similarity_threshold,
                     kOpenAiSimilarityThreshold);
    EXPECT_DOUBLE_EQ(load({{"EMBEDDING_PROVIDER", "openai"}, {"MEMORY_SIMILARITY_THRESHOLD", "0.3"}})
                         .memory_similarity_threshold,
                     0.3);
    EXPECT_DOUBLE_EQ(load({{"MEMORY_SIMILARITY_THRESHOLD", "0.9"}}).memory_similarity_threshold,
                     0.9);
}

TEST(SettingsParsing, SurroundingWhitespaceIsTrimmed) {
    const Settings s =
        load({{"PORT", " 9000\t"}, {"HOST", " localhost "}, {"LOG_LEVEL", " info\n"}});
    EXPECT_EQ(s.port, 9000);
    EXPECT_EQ(s.host, "localhost");
    EXPECT_EQ(s.log_level, LogLevel::info);
}

TEST(SettingsParsing, BooleansAcceptEveryDocumentedSpellingInAnyCase) {
    for (const char* yes : {"true", "TRUE", "1", "yes", "Yes", "on", "ON"}) {
        SCOPED_TRACE(yes);
        EXPECT_TRUE(load({{"REDIS_ENABLED", yes}}).redis_enabled);
    }
    for (const char* no : {"false", "False", "0", "no", "NO", "off", "Off"}) {
        SCOPED_TRACE(no);
        EXPECT_FALSE(load({{"REQUIRE_AUTHENTICATION", no}}).require_authentication);
    }
}

TEST(SettingsParsing, EnvironmentAndLogLevelIgnoreCase) {
    EXPECT_EQ(load({{"ENVIRONMENT", "PRODUCTION"}}).environment, Environment::production);
    EXPECT_EQ(load({{"ENVIRONMENT", "Test"}}).environment, Environment::test);
    EXPECT_EQ(load({{"LOG_LEVEL", "trace"}}).log_level, LogLevel::trace);
    EXPECT_EQ(load({{"LOG_LEVEL", "Warning"}}).log_level, LogLevel::warning);
    EXPECT_EQ(load({{"LOG_LEVEL", "warn"}}).log_level, LogLevel::warning);
    EXPECT_EQ(load({{"LOG_LEVEL", "ERROR"}}).log_level, LogLevel::error);
    EXPECT_EQ(load({{"LOG_LEVEL", "critical"}}).log_level, LogLevel::critical);
}

TEST(SettingsParsing, JwtAlgorithmAcceptsExactlyTheHmacNames) {
    EXPECT_EQ(load({{"JWT_ALGORITHM", "HS256"}}).jwt_algorithm, JwtAlgorithm::HS256);
    EXPECT_EQ(load({{"JWT_ALGORITHM", "HS384"}}).jwt_algorithm, JwtAlgorithm::HS384);
    EXPECT_EQ(load({{"JWT_ALGORITHM", "HS512"}}).jwt_algorithm, JwtAlgorithm::HS512);
    for (const char* bad : {"none", "hs256", "RS256", "HS1024"}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(error_of({{"JWT_ALGORITHM", bad}}),
                  "JWT_ALGORITHM=\"" + std::string(bad) +
                      "\" is invalid: expected one of HS256, HS384, HS512");
    }
}

// The reply's tokens and the context budget are checked together: each bound of one is tried
// with a value of the other that leaves room.
EnvMap with_room_for(const std::string& name, long long bound) {
    EnvMap env{{name, std::to_string(bound)}};
    if (name == "LM_STUDIO_MAX_TOKENS") env["CONTEXT_TOKEN_BUDGET"] = "10000000";
    if (name == "CONTEXT_TOKEN_BUDGET") env["LM_STUDIO_MAX_TOKENS"] = "1";
    return env;
}

TEST(SettingsParsing, RangeBoundsAreInclusive) {
    for (const auto& range : integer_ranges) {
        for (const long long bound : {range.min, range.max}) {
            SCOPED_TRACE(range.name + "=" + std::to_string(bound));
            EXPECT_EQ(shown(load(with_room_for(range.name, bound)), range.name),
                      std::to_string(bound));
        }
    }
    for (const auto& range : number_ranges) {
        for (const long long bound : {range.min, range.max}) {
            SCOPED_TRACE(range.name + "=" + std::to_string(bound));
            EXPECT_EQ(shown(load({{range.name, std::to_string(bound)}}), range.name),
                      std::to_string(bound));
        }
    }
}

TEST(SettingsValidation, ValuesOutsideEveryRangeAreRejectedNamingTheRange) {
    for (const auto& range : integer_ranges) {
        for (const long long bad : {range.min - 1, range.max + 1}) {
            const std::string value = std::to_string(bad);
            SCOPED_TRACE(range.name + "=" + value);
            EXPECT_EQ(error_of({{range.name, value}}),
                      range.name + "=\"" + value + "\" is invalid: expected an integer from " +
                          std::to_string(range.min) + " to " + std::to_string(range.max));
        }
    }
    EXPECT_EQ(error_of({{"LM_STUDIO_TEMPERATURE", "2.01"}}),
              "LM_STUDIO_TEMPERATURE=\"2.01\" is invalid: expected a number from 0 to 2");
    EXPECT_EQ(error_of({{"LM_STUDIO_TEMPERATURE", "-0.1"}}),
              "LM_STUDIO_TEMPERATURE=\"-0.1\" is invalid: expected a number from 0 to 2");
    EXPECT_EQ(error_of({{"MEMORY_SIMILARITY_THRESHOLD", "1.5"}}),
              "MEMORY_SIMILARITY_THRESHOLD=\"1.5\" is invalid: expected a number from 0 to 1");
    EXPECT_EQ(error_of({{"MEMORY_SIMILARITY_THRESHOLD", "-1"}}),
              "MEMORY_SIMILARITY_THRESHOLD=\"-1\" is invalid: expected a number from 0 to 1");
}

TEST(SettingsValidation, IntegersMustBeWholeDecimalNumbers) {
    for (const char* bad :
         {"abc", "12x", "1.5", "", "   ", "99999999999999999999", "0x10", "1 000", "+5", "1e3"}) {
        SCOPED_TRACE(bad);
        EXPECT_NE(error_of({{"PORT", bad}}).find("is invalid: expected an integer from 1 to 65535"),
                  std::string::npos);
    }
    EXPECT_EQ(error_of({{"PORT", "abc"}}),
              "PORT=\"abc\" is invalid: expected an integer from 1 to 65535");
    EXPECT_EQ(load({{"PORT", "0080"}}).port, 80);
}

TEST(SettingsValidation, TheContextBudgetMustLeaveRoomForThePromptAfterTheReply) {
    EXPECT_EQ(error_of({{"CONTEXT_TOKEN_BUDGET", "2255"}, {"LM_STUDIO_MAX_TOKENS", "2000"}}),
              "CONTEXT_TOKEN_BUDGET=2255 leaves less than 256 tokens for the prompt after "
              "LM_STUDIO_MAX_TOKENS=2000 is reserved for the reply: raise it or lower "
              "LM_STUDIO_MAX_TOKENS");
    EXPECT_EQ(load({{"CONTEXT_TOKEN_BUDGET", "2256"}, {"LM_STUDIO_MAX_TOKENS", "2000"}})
                  .context_token_budget,
              2256);
}

TEST(SettingsValidation, TrustedProxiesAreAddressesOrRanges) {
    EXPECT_EQ(load({{"TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1 ,::1"}}).trusted_proxies,
              (std::vector<std::string>{"10.0.0.0/8", "127.0.0.1", "::1"}));
    EXPECT_NE(error_of({{"TRUSTED_PROXIES", "10.0.0.0/8,proxy.local"}})
                  .find("TRUSTED_PROXIES=\"10.0.0.0/8,proxy.local\" is invalid"),
              std::string::npos);
    EXPECT_NE(error_of({{"TRUSTED_PROXIES", "10.0.0.0/40"}}).find("is invalid"), std::string::npos);
}

TEST(SettingsValidation, NumbersMustParseFullyAndBeFinite) {
    for (const char* bad :
         {"nan", "NaN", "inf", "-inf", "infinity", "0.5x", "", "abc", "1e400", "0,5", "0x1p-1"}) {
        SCOPED_TRACE(bad);
        EXPECT_NE(error_of({{"LM_STUDIO_TEMPERATURE", bad}})
                      .find("is invalid: expected a number from 0 to 2"),
                  std::string::npos);
    }
    EXPECT_DOUBLE_EQ(load({{"LM_STUDIO_TEMPERATURE", "1e-1"}}).lm_studio_temperature, 0.1);
    EXPECT_DOUBLE_EQ(load({{"MEMORY_SIMILARITY_THRESHOLD", ".5"}}).memory_similarity_threshold,
                     0.5);
}

TEST(SettingsValidation, EmptyValueIsAnErrorExceptForTheOptionalOnes) {
    for (const std::string& name : known_variables()) {
        SCOPED_TRACE(name);
        const std::string error = error_of({{name, " "}});
        if (name == "POSTGRES_URL" || name == "CORS_ORIGINS" || name == "LM_STUDIO_API_KEY" ||
            name == "LLM_CA_FILE" || name == "COMPANION_PERSONA" ||
            name == "COMPANION_PERSONA_FILE" || name == "TRUSTED_PROXIES" ||
            name == "EMBEDDING_BASE_URL") {
            EXPECT_EQ(error, "");
        } else {
            EXPECT_EQ(error.rfind(name, 0), 0u) << error;
            EXPECT_NE(error.find(" is invalid: expected "), std::string::npos) << error;
        }
    }
}

TEST(SettingsValidation, InvalidBooleansAreRejected) {
    EXPECT_EQ(error_of({{"REDIS_ENABLED", "maybe"}}),
              "REDIS_ENABLED=\"maybe\" is invalid: expected a boolean: true/false, 1/0, yes/no "
              "or on/off");
    EXPECT_NE(error_of({{"REQUIRE_AUTHENTICATION", "2"}}), "");
}

TEST(SettingsValidation, UnknownEnvironmentAndLogLevelAreRejectedListingTheChoices) {
    EXPECT_EQ(error_of({{"ENVIRONMENT", "prod"}}),
              "ENVIRONMENT=\"prod\" is invalid: expected one of development, staging, production, "
              "test");
    EXPECT_EQ(error_of({{"LOG_LEVEL", "verbose"}}),
              "LOG_LEVEL=\"verbose\" is invalid: expected one of TRACE, DEBUG, INFO, WARNING, "
              "ERROR, CRITICAL");
}

TEST(SettingsValidation, HostAndTextSettingsMustBeNonEmpty) {
    EXPECT_EQ(load({{"HOST", "::"}}).host, "::");
    EXPECT_EQ(error_of({{"HOST", "local host"}}),
              "HOST=\"local host\" is invalid: expected a host name or IP address");
    EXPECT_EQ(error_of({{"LM_STUDIO_MODEL_NAME", ""}}),
              "LM_STUDIO_MODEL_NAME=\"\" is invalid: expected a non-empty model name");
    EXPECT_EQ(error_of({{"DATA_DIR", ""}}),
              "DATA_DIR=\"\" is invalid: expected a non-empty directory path");
}

TEST(SettingsValidation, MessageStaysOnOneLineWhateverTheValue) {
    const std::string error = error_of({{"PORT", "80\n\"81\"\x01"}});
    EXPECT_EQ(error,
              "PORT=\"80\\n\\\"81\\\"\\x01\" is invalid: expected an integer from 1 to 65535");
    EXPECT_EQ(error.find('\n'), std::string::npos);
    const std::string long_error = error_of({{"PORT", std::string(1000, '9')}});
    EXPECT_LT(long_error.size(), 300u);
    EXPECT_NE(long_error.find("...\" is invalid"), std::string::npos);
}

TEST(SettingsValidation, FirstBadValueStopsLoading) {
    EXPECT_THROW(load({{"PORT", "x"}, {"HOST", "0.0.0.0"}}), ConfigError);
}

TEST(SettingsSecrets, EmptyJwtSecretIsRejectedWithoutShowingAnyValue) {
    EXPECT_EQ(error_of({{"JWT_SECRET_KEY", "   "}}),
              "JWT_SECRET_KEY is invalid: expected a non-empty secret");
}

TEST(SettingsSecrets, RejectedUrlsHideTheirPasswords) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"POSTGRES_URL", "mysql://app:hunter2@db/app"},
        {"REDIS_URL", "http://:hunter2@cache:6379"},
        {"LM_STUDIO_BASE_URL", "ftp://user:hunter2@llm/v1"},
        {"POSTGRES_URL", "app:hunter2@db/app"},
    };
    for (const auto& [name, value] : cases) {
        SCOPED_TRACE(name + "=" + value);
        const std::string error = error_of({{name, value}});
        EXPECT_EQ(error.rfind(name + "=\"", 0), 0u) << error;
        EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
        EXPECT_NE(error.find(":***@"), std::string::npos) << error;
    }
}

TEST(PostgresUrl, LibpqAndSqlalchemySchemesAreNormalisedToPostgresql) {
    for (const char* scheme : {"postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg",
                               "postgresql+psycopg2", "PostgreSQL"}) {
        SCOPED_TRACE(scheme);
        EXPECT_EQ(
            load({{"POSTGRES_URL", std::string(scheme) + "://u:p@db:5432/app?sslmode=require"}})
                .postgres_url,
            "postgresql://u:p@db:5432/app?sslmode=require");
    }
}

TEST(PostgresUrl, OtherSchemesAreRejectedNamingTheAllowedOnes) {
    EXPECT_EQ(error_of({{"POSTGRES_URL", "sqlite:///data/app.db"}}),
              "POSTGRES_URL=\"sqlite:///data/app.db\" is invalid: expected empty (embedded "
              "SQLite) or a URL starting with postgresql://, postgres://, postgresql+asyncpg://, "
              "postgresql+psycopg:// or postgresql+psycopg2://");
    for (const char* bad : {"host=db dbname=app", "postgresql+pg8000://db/app", "db:5432/app",
                            "postgresql://db/a pp"}) {
        SCOPED_TRACE(bad);
        EXPECT_NE(error_of({{"POSTGRES_URL", bad}}), "");
    }
}

TEST(LmStudioBaseUrl, TrailingSlashesAreRemoved) {
    EXPECT_EQ(load({{"LM_STUDIO_BASE_URL", "http://localhost:1234/v1/"}}).lm_studio_base_url,
              "http://localhost:1234/v1");
    EXPECT_EQ(load({{"LM_STUDIO_BASE_URL", "HTTPS://api.openai.com/"}}).lm_studio_base_url,
              "https://api.openai.com");
    EXPECT_EQ(load({{"LM_STUDIO_BASE_URL", "http://[::1]:8080/v1"}}).lm_studio_base_url,
              "http://[::1]:8080/v1");
}

TEST(LmStudioBaseUrl, MustBeHttpOrHttpsWithAHost) {
    for (const char* bad : {"localhost:1234/v1", "ftp://llm/v1", "http://", "http:///v1",
                            "http://llm:abc/v1", "http://llm:0/v1", "http://llm:70000",
                            "http://l lm/v1", "ws://llm/v1", "http://[::1/v1"}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(error_of({{"LM_STUDIO_BASE_URL", bad}}),
                  "LM_STUDIO_BASE_URL=\"" + std::string(bad) +
                      "\" is invalid: expected an http:// or https:// URL with a host, e.g. "
                      "http://localhost:1234/v1");
    }
}

TEST(RedisUrl, AcceptsRedisAndRedissOnly) {
    EXPECT_EQ(load({{"REDIS_URL", "rediss://:pw@cache:6380/2"}}).redis_url,
              "rediss://:pw@cache:6380/2");
    EXPECT_EQ(load({{"REDIS_URL", "REDIS://cache"}}).redis_url, "redis://cache");
    EXPECT_EQ(error_of({{"REDIS_URL", "localhost:6379"}}),
              "REDIS_URL=\"localhost:6379\" is invalid: expected a URL starting with redis:// or "
              "rediss://");
    EXPECT_NE(error_of({{"REDIS_URL", "http://cache:6379"}}), "");
}

TEST(CorsOrigins, ListIsTrimmedAndEmptyItemsAreDropped) {
    const Settings s =
        load({{"CORS_ORIGINS",
               " https://app.example.com , ,http://localhost:5173,, HTTPS://B.example"}});
    EXPECT_EQ(s.cors_origins,
              (std::vector<std::string>{"https://app.example.com", "http://localhost:5173",
                                        "https://b.example"}));
}

TEST(CorsOrigins, ExplicitListReplacesTheDevelopmentWildcard) {
    EXPECT_EQ(load({{"CORS_ORIGINS", "http://localhost:3000"}}).cors_origins,
              std::vector<std::string>{"http://localhost:3000"});
    EXPECT_EQ(load({{"ENVIRONMENT", "production"}, {"CORS_ORIGINS", "*"}}).cors_origins,
              std::vector<std::string>{"*"});
}

TEST(CorsOrigins, ItemsMustBeOriginsWithoutPath) {
    for (const char* bad :
         {"https://app.example.com/", "app.example.com", "https://a.com/path", "https://",
          "https://user@a.com", "https://a.com:port", "https://a.com?x=1", "**"}) {
        SCOPED_TRACE(bad);
        const std::string error =
            error_of({{"CORS_ORIGINS", std::string("https://ok.com,") + bad}});
        EXPECT_EQ(error.rfind("CORS_ORIGINS=\"https://ok.com,", 0), 0u) << error;
        EXPECT_NE(error.find("(\"" + std::string(bad) + "\" is not one)"), std::string::npos)
            << error;
    }
}

TEST(Precedence, ProcessEnvironmentOverridesTheEnvFile) {
    const Settings s = load_settings({{"PORT", "9000"}, {"HOST", "127.0.0.1"}}, {{"PORT", "9100"}});
    EXPECT_EQ(s.port, 9100);
    EXPECT_EQ(s.host, "127.0.0.1");
}

TEST(Precedence, ValidEnvironmentValueHidesABadEnvFileValue) {
    EXPECT_EQ(load_settings({{"PORT", "bad"}}, {{"PORT", "9100"}}).port, 9100);
    EXPECT_THROW(load_settings({{"PORT", "9100"}}, {{"PORT", "bad"}}), ConfigError);
}

TEST(UnknownKeys, EnvFileKeysThatAreNotSettingsAreCollectedNotRejected) {
    const Settings s = load_settings({{"PORTT", "1"}, {"port", "2"}, {"PORT", "9000"}},
                                     {{"PATH", "/usr/bin"}, {"SOMETHING_ELSE", "x"}});
    EXPECT_EQ(s.unknown_env_file_keys, (std::vector<std::string>{"PORTT", "port"}));
    EXPECT_EQ(s.port, 9000);
}

TEST(Describe, ListsEveryKnownVariableInTheDocumentedOrder) {
    const auto described = describe(load({}));
    ASSERT_EQ(described.size(), known_variables().size());
    for (std::size_t i = 0; i < described.size(); ++i) {
        EXPECT_EQ(described[i].first, known_variables()[i]);
    }
}

TEST(Describe, ShowsDefaultsAsPlainStrings) {
    const Settings s = load({});
    EXPECT_EQ(shown(s, "ENVIRONMENT"), "development");
    EXPECT_EQ(shown(s, "PORT"), "8000");
    EXPECT_EQ(shown(s, "REQUIRE_AUTHENTICATION"), "true");
    EXPECT_EQ(shown(s, "REDIS_ENABLED"), "false");
    EXPECT_EQ(shown(s, "JWT_ALGORITHM"), "HS256");
    EXPECT_EQ(shown(s, "POSTGRES_URL"), "<not set>");
    EXPECT_EQ(shown(s, "LM_STUDIO_BASE_URL"), "http://localhost:1234/v1");
    EXPECT_EQ(shown(s, "LM_STUDIO_TEMPERATURE"), "0.7");
    EXPECT_EQ(shown(s, "REDIS_URL"), "redis://localhost:6379/0");
    EXPECT_EQ(shown(s, "CORS_ORIGINS"), "*");
    EXPECT_EQ(shown(s, "LOG_LEVEL"), "INFO");
    EXPECT_EQ(shown(s, "MAX_REQUEST_BODY_BYTES"), "65536");
    EXPECT_EQ(shown(s, "MEMORY_SIMILARITY_THRESHOLD"), "0.2");
    EXPECT_EQ(shown(s, "EMBEDDING_PROVIDER"), "builtin");
    EXPECT_EQ(shown(s, "EMBEDDING_BASE_URL"), "<not set>");
    EXPECT_EQ(shown(s, "WORKER_THREADS"), std::to_string(s.worker_threads));
    EXPECT_EQ(shown(s, "DATA_DIR"), "./data");
}

TEST(Describe, JwtSecretShowsOnlyWhetherItIsTheDefaultAndItsLength) {
    EXPECT_EQ(shown(load({}), "JWT_SECRET_KEY"), "<default>");
    const std::string secret(40, 'k');
    const Settings s = load({{"JWT_SECRET_KEY", secret}});
    EXPECT_EQ(shown(s, "JWT_SECRET_KEY"), "<set, 40 characters>");
    for (const auto& [name, value] : describe(s)) {
        EXPECT_EQ(value.find(secret), std::string::npos) << name;
    }
}

TEST(Describe, DatabaseAndRedisPasswordsAreMasked) {
    const Settings s = load({{"POSTGRES_URL", "postgres://app:S3cretPassw0rd!@db:5432/app"},
                             {"REDIS_URL", "redis://:r3dis-pass@cache:6379/0"},
                             {"LM_STUDIO_BASE_URL", "https://key:llm-pass@llm.example.com/v1"}});
    EXPECT_EQ(shown(s, "POSTGRES_URL"), "postgresql://app:***@db:5432/app");
    EXPECT_EQ(shown(s, "REDIS_URL"), "redis://:***@cache:6379/0");
    EXPECT_EQ(shown(s, "LM_STUDIO_BASE_URL"), "https://key:***@llm.example.com/v1");
}

TEST(Describe, CorsOriginsAreJoinedWithCommas) {
    EXPECT_EQ(shown(load({{"CORS_ORIGINS", "https://a.example, https://b.example:8443"}}),
                    "CORS_ORIGINS"),
              "https://a.example,https://b.example:8443");
    EXPECT_EQ(shown(load({{"ENVIRONMENT", "production"}}), "CORS_ORIGINS"), "<none>");
}

TEST(KnownVariables, NamesEveryDocumentedVariableOnce) {
    const auto& names = known_variables();
    EXPECT_EQ(names.size(), 60u);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
    EXPECT_EQ(names.front(), "ENVIRONMENT");
    EXPECT_EQ(names.back(), "HTTP_MAX_CONNECTIONS");
    for (const char* name : {"JWT_SECRET_KEY", "POSTGRES_URL", "CORS_ORIGINS", "DATA_DIR",
                             "WORKER_THREADS", "MEMORY_SIMILARITY_THRESHOLD",
                             "RATE_LIMIT_FAIL_OPEN_SECONDS", "COMPANION_PERSONA_FILE",
                             "CONTEXT_TOKEN_BUDGET", "TRUSTED_PROXIES", "EMBEDDING_PROVIDER",
                             "EMBEDDING_MODEL", "EMBEDDING_DIMENSIONS", "EMBEDDING_BASE_URL",
                             "MEMORY_INDEX_CACHE_MB", "MEMORY_KEYWORD_WEIGHT",
                             "MEMORY_RECENCY_WEIGHT", "MEMORY_RECENCY_HALF_LIFE_DAYS",
                             "MEMORY_IMPORTANCE_WEIGHT", "EMOTION_PROVIDER", "GOAL_DETECTION"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
    }
}

TEST(ToString, NamesMatchTheAcceptedValues) {
    EXPECT_EQ(to_string(Environment::development), "development");
    EXPECT_EQ(to_string(Environment::staging), "staging");
    EXPECT_EQ(to_string(Environment::production), "production");
    EXPECT_EQ(to_string(Environment::test), "test");
    EXPECT_EQ(to_string(LogLevel::trace), "TRACE");
    EXPECT_EQ(to_string(LogLevel::warning), "WARNING");
    EXPECT_EQ(to_string(LogLevel::critical), "CRITICAL");
    EXPECT_EQ(to_string(JwtAlgorithm::HS384), "HS384");
}

}  // namespace
}  // namespace companion::config
