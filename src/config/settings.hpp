// The service's whole configuration: one typed struct, parsed and validated once at start-up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/url.hpp"  // mask_url_password and url_password, for the settings' URLs

namespace companion::config {

enum class Environment { development, staging, production, test };
enum class LogLevel { trace, debug, info, warning, error, critical };
enum class JwtAlgorithm { HS256, HS384, HS512 };
enum class EmbeddingProvider { builtin, openai };
enum class EmotionProvider { builtin, llm };

std::string_view to_string(Environment environment);
std::string_view to_string(LogLevel level);
std::string_view to_string(JwtAlgorithm algorithm);
std::string_view to_string(EmbeddingProvider provider);
std::string_view to_string(EmotionProvider provider);

// MEMORY_SIMILARITY_THRESHOLD's default depends on the embedder, since their cosines live on
// different scales: the builtin lexical embedder is calibrated for 0.2 (docs/memory.md), a
// server's semantic model for the deployment guide's 0.7.
constexpr double kBuiltinSimilarityThreshold = 0.2;
constexpr double kOpenAiSimilarityThreshold = 0.7;

struct Settings {
    Environment environment = Environment::development;
    std::string host = "0.0.0.0";
    std::uint16_t port = 8000;

    bool require_authentication = true;
    std::string jwt_secret_key = "change-me-in-production";
    JwtAlgorithm jwt_algorithm = JwtAlgorithm::HS256;
    int jwt_expiration_hours = 24;

    // Empty means the embedded SQLite store under data_dir. Normalised to the libpq form
    // (postgresql://...), the SQLAlchemy driver suffix (+asyncpg) removed.
    std::string postgres_url;
    std::string data_dir = "./data";
    int postgres_pool_size = 20;
    int postgres_max_overflow = 40;

    std::string lm_studio_base_url = "http://localhost:1234/v1";
    std::string lm_studio_model_name = "local-model";
    double lm_studio_temperature = 0.7;
    int lm_studio_max_tokens = 2000;
    // Sent as `Authorization: Bearer` when set (OpenAI, vLLM --api-key); never shown or logged.
    std::string lm_studio_api_key;

    // The outbound LLM client (docs/llm.md): timeouts in seconds, retries before the first token,
    // a concurrency cap with a bounded queue, a circuit breaker and the cached health probe.
    double llm_connect_timeout_seconds = 5;
    double llm_first_token_timeout_seconds = 60;
    double llm_timeout_seconds = 300;
    int llm_max_retries = 2;
    int llm_max_concurrency = 32;
    int llm_queue_size = 256;
    int llm_breaker_failures = 5;
    double llm_breaker_open_seconds = 5;
    double llm_probe_interval_seconds = 10;
    // Extra trusted CA certificates (PEM) for an https LLM server, besides the system's.
    std::string llm_ca_file;

    std::string redis_url = "redis://localhost:6379/0";
    bool redis_enabled = false;

    // Exact origins; {"*"} allows any origin (refused in production).
    std::vector<std::string> cors_origins;
    // Reverse proxies (IP addresses or CIDR ranges) whose X-Forwarded-For is believed; empty:
    // the client is always the socket's peer.
    std::vector<std::string> trusted_proxies;
    int rate_limit_requests_per_minute = 60;
    // With Redis: how long requests are let through unlimited while Redis is unreachable
    // (then limited per replica until it answers again).
    int rate_limit_fail_open_seconds = 60;
    LogLevel log_level = LogLevel::info;
    int max_message_length = 4000;
    std::size_t max_request_body_bytes = 65536;

    // Who the companion is (companion/persona): its name and the system prompt's persona text,
    // given inline or in a file (the file wins); empty means the built-in warm default.
    std::string companion_name = "Companion";
    std::string companion_persona;
    std::string companion_persona_file;
    // The model's context window in estimated tokens: the prompt gets what is left after
    // LM_STUDIO_MAX_TOKENS is reserved for the reply (must leave at least 256).
    int context_token_budget = 8192;

    int short_term_memory_size = 10;
    int long_term_memory_top_k = 5;
    double memory_similarity_threshold = kBuiltinSimilarityThreshold;  // see above

    // Embeddings and the in-process memory index (docs/memory.md). builtin: the lexical embedder
    // with EMBEDDING_DIMENSIONS buckets; openai: POST {EMBEDDING_BASE_URL, else
    // LM_STUDIO_BASE_URL}/embeddings with EMBEDDING_MODEL (its dimension is the model's).
    EmbeddingProvider embedding_provider = EmbeddingProvider::builtin;
    std::string embedding_model = "text-embedding-nomic-embed-text-v1.5";
    int embedding_dimensions = 384;
    std::string embedding_base_url;  // empty: LM_STUDIO_BASE_URL
    // Each active user's vectors are kept in memory up to this many MiB in all (least recently
    // used users go first); 0 turns the index off (every recall asks the database).
    int memory_index_cache_mb = 256;
    // Mild re-ranking of the memories recalled by cosine (docs/memory.md, "Recall"): a keyword
    // match score (full-text search, 0 turns it off), a boost for recently told or recalled
    // memories that halves every MEMORY_RECENCY_HALF_LIFE_DAYS, and one for important memories.
    double memory_keyword_weight = 0;
    double memory_recency_weight = 0.05;
    int memory_recency_half_life_days = 30;
    double memory_importance_weight = 0.05;

    // Emotion of each user message (docs/emotion.md): builtin lexicon classifier, or llm (asks
    // the LLM for a JSON answer; the lexicon answers on any failure).
    EmotionProvider emotion_provider = EmotionProvider::builtin;
    // Suggests a goal in the chat response for a message like "I want to run a marathon by June".
    bool goal_detection = false;

    int worker_threads = 0;  // set by load_settings: WORKER_THREADS, else the core count (>= 1)
    int shutdown_grace_seconds = 20;

    // HTTP server limits.
    int http_keepalive_timeout_seconds = 75;  // an idle keep-alive connection is closed after this
    int http_read_timeout_seconds = 15;       // a request must arrive whole within this once it began
    int http_write_timeout_seconds = 30;      // a response must be taken by the client within this
    std::size_t http_max_header_bytes = 16384;
    int http_max_connections = 20000;

    // Keys of the env file that are not settings of ours (likely typos); reported, never fatal.
    std::vector<std::string> unknown_env_file_keys;
};

// A value that cannot be used. what() is one line naming the variable, the (masked) value and
// what is allowed, e.g. `PORT="abc" is invalid: expected an integer from 1 to 65535`.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using EnvMap = std::map<std::string, std::string>;

// Parses an env file: KEY=VALUE lines, blank lines and # comments, optional `export `, single or
// double quotes (double quotes understand \n, \" and \\), inline ` #` comments after unquoted
// values. Throws ConfigError naming the file and line for a malformed line.
EnvMap parse_env_file_text(const std::string& text, const std::string& file_name);
EnvMap read_env_file(const std::string& path);

// Reads the process environment (only the names this service knows are used).
EnvMap read_process_environment();

// Builds Settings from the env file's values overlaid by the process environment (the process
// environment wins, as in pydantic-settings). Throws ConfigError on the first bad value.
Settings load_settings(const EnvMap& env_file, const EnvMap& process_env);

// Every setting as (NAME, display value) in a stable order, secrets masked (JWT_SECRET_KEY shows
// only its length, POSTGRES_URL and REDIS_URL hide their passwords).
std::vector<std::pair<std::string, std::string>> describe(const Settings& settings);

// Every variable name this service reads.
const std::vector<std::string>& known_variables();

}  // namespace companion::config
