// Parsing and validation of the environment variables into Settings, and their masked display.
#include "config/settings.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include "config/url.hpp"

namespace companion::config {
namespace {

constexpr auto npos = std::string_view::npos;

std::string_view trim(std::string_view text) {
    constexpr std::string_view space = " \t\r\n\f\v";
    const auto first = text.find_first_not_of(space);
    if (first == npos) return {};
    return text.substr(first, text.find_last_not_of(space) - first + 1);
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

constexpr std::array<std::string_view, 4> environment_names = {"development", "staging",
                                                               "production", "test"};
constexpr std::array<std::string_view, 6> log_level_names = {"TRACE",   "DEBUG", "INFO",
                                                             "WARNING", "ERROR", "CRITICAL"};
constexpr std::array<std::string_view, 3> jwt_algorithm_names = {"HS256", "HS384", "HS512"};
constexpr std::array<std::string_view, 2> embedding_provider_names = {"builtin", "openai"};
constexpr std::array<std::string_view, 2> emotion_provider_names = {"builtin", "llm"};

// How much of a rejected value an error message may show.
enum class Secrecy { none, url_password, whole_value };

struct Raw {
    std::string_view name;
    std::string_view text;  // trimmed
    Secrecy secrecy;
};

// Escapes the value so that the message stays on one line, and cuts values too long to read.
std::string quoted(std::string_view value) {
    constexpr std::size_t max_shown = 120;
    constexpr std::string_view hex = "0123456789abcdef";
    std::string out = "\"";
    for (const char c : value.substr(0, max_shown)) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += {'\\', c};
        } else if (c == '\n') {
            out += "\\n";
        } else if (byte < 0x20 || byte == 0x7f) {
            out += {'\\', 'x', hex[byte >> 4], hex[byte & 0xf]};
        } else {
            out += c;
        }
    }
    return out + (value.size() > max_shown ? "...\"" : "\"");
}

[[noreturn]] void reject(const Raw& raw, std::string_view expected) {
    std::string message(raw.name);
    if (raw.secrecy == Secrecy::none) message += "=" + quoted(raw.text);
    if (raw.secrecy == Secrecy::url_password) message += "=" + quoted(mask_url_password(raw.text));
    throw ConfigError(message + " is invalid: expected " + std::string(expected));
}

template <typename Enum, std::size_t N>
Enum to_enum(const Raw& raw, const std::array<std::string_view, N>& names, std::string_view text,
             bool ignore_case) {
    for (std::size_t i = 0; i < N; ++i) {
        if (ignore_case ? lower(names[i]) == lower(text) : names[i] == text) {
            return static_cast<Enum>(i);
        }
    }
    std::string expected = "one of ";
    for (std::size_t i = 0; i < N; ++i) expected += (i == 0 ? "" : ", ") + std::string(names[i]);
    reject(raw, expected);
}

Environment to_environment(const Raw& raw) {
    return to_enum<Environment>(raw, environment_names, raw.text, true);
}

LogLevel to_log_level(const Raw& raw) {
    const bool warn = lower(raw.text) == "warn";
    return to_enum<LogLevel>(raw, log_level_names, warn ? "WARNING" : raw.text, true);
}

JwtAlgorithm to_jwt_algorithm(const Raw& raw) {
    return to_enum<JwtAlgorithm>(raw, jwt_algorithm_names, raw.text, false);
}

EmbeddingProvider to_embedding_provider(const Raw& raw) {
    return to_enum<EmbeddingProvider>(raw, embedding_provider_names, raw.text, true);
}

EmotionProvider to_emotion_provider(const Raw& raw) {
    return to_enum<EmotionProvider>(raw, emotion_provider_names, raw.text, true);
}

template <long long min, long long max>
long long to_integer(const Raw& raw) {
    long long value = 0;
    const char* end = raw.text.data() + raw.text.size();
    const auto [stop, error] = std::from_chars(raw.text.data(), end, value);
    if (raw.text.empty() || error != std::errc{} || stop != end || value < min || value > max) {
        reject(raw, "an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return value;
}

template <long long min, long long max>
double to_number(const Raw& raw) {
    double value = 0;
    const char* end = raw.text.data() + raw.text.size();
    const auto [stop, error] = std::from_chars(raw.text.data(), end, value);
    const bool parsed = !raw.text.empty() && error == std::errc{} && stop == end;
    if (!parsed || !std::isfinite(value) || value < min || value > max) {
        reject(raw, "a number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return value;
}

bool to_bool(const Raw& raw) {
    const std::string text = lower(raw.text);
    if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "0" || text == "no" || text == "off") return false;
    reject(raw, "a boolean: true/false, 1/0, yes/no or on/off");
}

std::string to_host(const Raw& raw) {
    if (raw.text.empty() || has_space_or_control(raw.text))
        reject(raw, "a host name or IP address");
    return std::string(raw.text);
}

std::string to_secret(const Raw& raw) {
    if (raw.text.empty()) reject(raw, "a non-empty secret");
    return std::string(raw.text);
}

std::string to_model_name(const Raw& raw) {
    if (raw.text.empty()) reject(raw, "a non-empty model name");
    return std::string(raw.text);
}

// Empty means not set; otherwise it goes into an HTTP header, so no spaces or control characters.
std::string to_optional_token(const Raw& raw) {
    if (has_space_or_control(raw.text)) reject(raw, "a value without spaces or control characters");
    return std::string(raw.text);
}

// Timeouts and intervals: fractions allowed, zero and negative refused.
template <long long max>
double to_positive_seconds(const Raw& raw) {
    double value = 0;
    const char* end = raw.text.data() + raw.text.size();
    const auto [stop, error] = std::from_chars(raw.text.data(), end, value);
    const bool parsed = !raw.text.empty() && error == std::errc{} && stop == end;
    if (!parsed || !std::isfinite(value) || value <= 0 || value > max) {
        reject(raw, "a number of seconds greater than 0 and at most " + std::to_string(max));
    }
    return value;
}

std::string to_optional_path(const Raw& raw) {
    const bool control = std::any_of(raw.text.begin(), raw.text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
    if (control) reject(raw, "a file path without control characters");
    return std::string(raw.text);
}

std::string to_companion_name(const Raw& raw) {
    const bool control = std::any_of(raw.text.begin(), raw.text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (raw.text.empty() || raw.text.size() > 100 || control) {
        reject(raw, "a name of 1 to 100 characters without control characters");
    }
    return std::string(raw.text);
}

// Inline persona text; \n escapes in an env file are already newlines here.
std::string to_persona_text(const Raw& raw) {
    if (raw.text.size() > 20000) reject(raw, "at most 20000 bytes of text");
    return std::string(raw.text);
}

std::string to_directory(const Raw& raw) {
    if (raw.text.empty()) reject(raw, "a non-empty directory path");
    return std::string(raw.text);
}

std::string to_postgres_url(const Raw& raw) {
    static constexpr std::array<std::string_view, 5> schemes = {
        "postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg",
        "postgresql+psycopg2"};
    if (raw.text.empty()) return {};
    const std::string name = url_scheme(raw.text);
    if (std::find(schemes.begin(), schemes.end(), name) == schemes.end() ||
        has_space_or_control(raw.text)) {
        reject(raw,
               "empty (embedded SQLite) or a URL starting with postgresql://, postgres://, "
               "postgresql+asyncpg://, postgresql+psycopg:// or postgresql+psycopg2://");
    }
    return "postgresql" + std::string(raw.text.substr(name.size()));
}

std::string to_http_url(const Raw& raw) {
    const std::string name = url_scheme(raw.text);
    if ((name != "http" && name != "https") || !url_has_host(raw.text)) {
        reject(raw, "an http:// or https:// URL with a host, e.g. http://localhost:1234/v1");
    }
    std::string out = name + std::string(raw.text.substr(name.size()));
    while (out.ends_with('/')) out.pop_back();
    return out;
}

// Empty means "the LLM server's" (LM_STUDIO_BASE_URL).
std::string to_optional_http_url(const Raw& raw) {
    if (raw.text.empty()) return {};
    return to_http_url(raw);
}

std::string to_redis_url(const Raw& raw) {
    const std::string name = url_scheme(raw.text);
    if ((name != "redis" && name != "rediss") || has_space_or_control(raw.text)) {
        reject(raw, "a URL starting with redis:// or rediss://");
    }
    return name + std::string(raw.text.substr(name.size()));
}

std::vector<std::string> to_origins(const Raw& raw, Environment environment) {
    if (raw.text.empty() && environment == Environment::development) return {"*"};
    std::vector<std::string> origins;
    for (std::string_view rest = raw.text; !rest.empty();) {
        const auto comma = std::min(rest.find(','), rest.size());
        const std::string_view item = trim(rest.substr(0, comma));
        rest.remove_prefix(std::min(comma + 1, rest.size()));
        if (item.empty()) continue;
        if (item != "*" && !is_origin(item)) {
            reject(raw,
                   "a comma-separated list of * or origins scheme://host[:port] without a path (" +
                       quoted(item) + " is not one)");
        }
        origins.push_back(lower(item));
    }
    return origins;
}

// Addresses or CIDR ranges, e.g. "10.0.0.0/8, 127.0.0.1, ::1".
std::vector<std::string> to_proxies(const Raw& raw) {
    std::vector<std::string> proxies;
    for (std::string_view rest = raw.text; !rest.empty();) {
        const auto comma = std::min(rest.find(','), rest.size());
        const std::string_view item = trim(rest.substr(0, comma));
        rest.remove_prefix(std::min(comma + 1, rest.size()));
        if (item.empty()) continue;
        const auto slash = item.find('/');
        boost::system::error_code ec;
        const auto address = boost::asio::ip::make_address(std::string(item.substr(0, slash)), ec);
        int prefix = 0;
        bool prefix_ok = true;
        if (!ec && slash != std::string_view::npos) {
            const auto digits = item.substr(slash + 1);
            const auto [end, error] =
                std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
            prefix_ok = !digits.empty() && error == std::errc{} &&
                        end == digits.data() + digits.size() && prefix >= 0 &&
                        prefix <= (address.is_v4() ? 32 : 128);
        }
        if (ec || !prefix_ok) {
            reject(raw, "a comma-separated list of IP addresses or CIDR ranges (" + quoted(item) +
                            " is not one)");
        }
        proxies.emplace_back(item);
    }
    return proxies;
}

std::string display(const std::string& text) {
    return text;
}
std::string display(bool value) {
    return value ? "true" : "false";
}

std::string display(double value) {
    std::array<char, 32> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return std::string(buffer.data(), result.ptr);
}

template <typename T>
std::string display(T value) {
    if constexpr (std::is_enum_v<T>) {
        return std::string(to_string(value));
    } else {
        return std::to_string(value);
    }
}

std::string display_url(const std::string& url) {
    return url.empty() ? "<not set>" : mask_url_password(url);
}

std::string display_secret(const std::string& secret) {
    if (secret == Settings{}.jwt_secret_key) return "<default>";
    return "<set, " + std::to_string(secret.size()) + " characters>";
}

std::string display_optional_secret(const std::string& secret) {
    if (secret.empty()) return "<not set>";
    return "<set, " + std::to_string(secret.size()) + " characters>";
}

std::string display_optional(const std::string& text) {
    return text.empty() ? "<not set>" : text;
}

std::string display_list(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
    return out.empty() ? "<none>" : out;
}

using Apply = void (*)(Settings&, const Raw&);
using Show = std::string (*)(const Settings&);

struct Variable {
    std::string_view name;
    Apply apply;
    Show show;
    Secrecy secrecy = Secrecy::none;
    bool empty_means_unset = false;  // then apply also runs, with "", when the variable is absent
};

// One variable stored in one member: parse is Raw -> value, show (if given) value -> display text.
template <auto member, auto parse, auto show = nullptr>
Variable field(std::string_view name, Secrecy secrecy = Secrecy::none,
               bool empty_means_unset = false) {
    return {name,
            [](Settings& s, const Raw& raw) {
                s.*member = static_cast<std::remove_cvref_t<decltype(s.*member)>>(parse(raw));
            },
            [](const Settings& s) {
                if constexpr (std::is_null_pointer_v<decltype(show)>) {
                    return display(s.*member);
                } else {
                    return show(s.*member);
                }
            },
            secrecy, empty_means_unset};
}

int default_worker_threads() {
    return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 1024);
}

// In the documented order; ENVIRONMENT comes first because the CORS default depends on it.
const std::vector<Variable>& variables() {
    using S = Settings;
    static const std::vector<Variable> table = {
        field<&S::environment, to_environment>("ENVIRONMENT"),
        field<&S::host, to_host>("HOST"),
        field<&S::port, to_integer<1, 65535>>("PORT"),
        field<&S::require_authentication, to_bool>("REQUIRE_AUTHENTICATION"),
        field<&S::jwt_secret_key, to_secret, display_secret>("JWT_SECRET_KEY",
                                                             Secrecy::whole_value),
        field<&S::jwt_algorithm, to_jwt_algorithm>("JWT_ALGORITHM"),
        field<&S::jwt_expiration_hours, to_integer<1, 8760>>("JWT_EXPIRATION_HOURS"),
        field<&S::postgres_url, to_postgres_url, display_url>("POSTGRES_URL", Secrecy::url_password,
                                                              true),
        field<&S::postgres_pool_size, to_integer<1, 1000>>("POSTGRES_POOL_SIZE"),
        field<&S::postgres_max_overflow, to_integer<0, 1000>>("POSTGRES_MAX_OVERFLOW"),
        field<&S::lm_studio_base_url, to_http_url, display_url>("LM_STUDIO_BASE_URL",
                                                                Secrecy::url_password),
        field<&S::lm_studio_model_name, to_model_name>("LM_STUDIO_MODEL_NAME"),
        field<&S::lm_studio_temperature, to_number<0, 2>>("LM_STUDIO_TEMPERATURE"),
        field<&S::lm_studio_max_tokens, to_integer<1, 1000000>>("LM_STUDIO_MAX_TOKENS"),
        field<&S::lm_studio_api_key, to_optional_token, display_optional_secret>(
            "LM_STUDIO_API_KEY", Secrecy::whole_value, true),
        field<&S::llm_connect_timeout_seconds, to_positive_seconds<3600>>(
            "LLM_CONNECT_TIMEOUT_SECONDS"),
        field<&S::llm_first_token_timeout_seconds, to_positive_seconds<86400>>(
            "LLM_FIRST_TOKEN_TIMEOUT_SECONDS"),
        field<&S::llm_timeout_seconds, to_positive_seconds<86400>>("LLM_TIMEOUT_SECONDS"),
        field<&S::llm_max_retries, to_integer<0, 10>>("LLM_MAX_RETRIES"),
        field<&S::llm_max_concurrency, to_integer<1, 100000>>("LLM_MAX_CONCURRENCY"),
        field<&S::llm_queue_size, to_integer<0, 1000000>>("LLM_QUEUE_SIZE"),
        field<&S::llm_breaker_failures, to_integer<0, 1000>>("LLM_BREAKER_FAILURES"),
        field<&S::llm_breaker_open_seconds, to_positive_seconds<3600>>(
            "LLM_BREAKER_OPEN_SECONDS"),
        field<&S::llm_probe_interval_seconds, to_positive_seconds<3600>>(
            "LLM_PROBE_INTERVAL_SECONDS"),
        field<&S::llm_ca_file, to_optional_path, display_optional>("LLM_CA_FILE", Secrecy::none,
                                                                   true),
        field<&S::redis_url, to_redis_url, display_url>("REDIS_URL", Secrecy::url_password),
        field<&S::redis_enabled, to_bool>("REDIS_ENABLED"),
        {"CORS_ORIGINS", [](S& s, const Raw& r) { s.cors_origins = to_origins(r, s.environment); },
         [](const S& s) { return display_list(s.cors_origins); }, Secrecy::none, true},
        {"TRUSTED_PROXIES", [](S& s, const Raw& r) { s.trusted_proxies = to_proxies(r); },
         [](const S& s) { return display_list(s.trusted_proxies); }, Secrecy::none, true},
        field<&S::rate_limit_requests_per_minute, to_integer<1, 1000000>>(
            "RATE_LIMIT_REQUESTS_PER_MINUTE"),
        field<&S::rate_limit_fail_open_seconds, to_integer<1, 3600>>(
            "RATE_LIMIT_FAIL_OPEN_SECONDS"),
        field<&S::log_level, to_log_level>("LOG_LEVEL"),
        field<&S::max_message_length, to_integer<1, 1000000>>("MAX_MESSAGE_LENGTH"),
        field<&S::max_request_body_bytes, to_integer<1024, 104857600>>("MAX_REQUEST_BODY_BYTES"),
        field<&S::companion_name, to_companion_name>("COMPANION_NAME"),
        field<&S::companion_persona, to_persona_text, display_optional>("COMPANION_PERSONA",
                                                                        Secrecy::none, true),
        field<&S::companion_persona_file, to_optional_path, display_optional>(
            "COMPANION_PERSONA_FILE", Secrecy::none, true),
        field<&S::context_token_budget, to_integer<512, 10000000>>("CONTEXT_TOKEN_BUDGET"),
        field<&S::short_term_memory_size, to_integer<0, 1000>>("SHORT_TERM_MEMORY_SIZE"),
        field<&S::long_term_memory_top_k, to_integer<0, 100>>("LONG_TERM_MEMORY_TOP_K"),
        field<&S::memory_similarity_threshold, to_number<0, 1>>("MEMORY_SIMILARITY_THRESHOLD"),
        field<&S::embedding_provider, to_embedding_provider>("EMBEDDING_PROVIDER"),
        field<&S::embedding_model, to_model_name>("EMBEDDING_MODEL"),
        field<&S::embedding_dimensions, to_integer<32, 4096>>("EMBEDDING_DIMENSIONS"),
        field<&S::embedding_base_url, to_optional_http_url, display_url>(
            "EMBEDDING_BASE_URL", Secrecy::url_password, true),
        field<&S::memory_index_cache_mb, to_integer<0, 1048576>>("MEMORY_INDEX_CACHE_MB"),
        field<&S::memory_keyword_weight, to_number<0, 1>>("MEMORY_KEYWORD_WEIGHT"),
        field<&S::memory_recency_weight, to_number<0, 1>>("MEMORY_RECENCY_WEIGHT"),
        field<&S::memory_recency_half_life_days, to_integer<1, 36500>>(
            "MEMORY_RECENCY_HALF_LIFE_DAYS"),
        field<&S::memory_importance_weight, to_number<0, 1>>("MEMORY_IMPORTANCE_WEIGHT"),
        field<&S::emotion_provider, to_emotion_provider>("EMOTION_PROVIDER"),
        field<&S::goal_detection, to_bool>("GOAL_DETECTION"),
        field<&S::worker_threads, to_integer<1, 1024>>("WORKER_THREADS"),
        field<&S::shutdown_grace_seconds, to_integer<0, 3600>>("SHUTDOWN_GRACE_SECONDS"),
        field<&S::data_dir, to_directory>("DATA_DIR"),
        field<&S::http_keepalive_timeout_seconds, to_integer<1, 3600>>(
            "HTTP_KEEPALIVE_TIMEOUT_SECONDS"),
        field<&S::http_read_timeout_seconds, to_integer<1, 3600>>("HTTP_READ_TIMEOUT_SECONDS"),
        field<&S::http_write_timeout_seconds, to_integer<1, 3600>>("HTTP_WRITE_TIMEOUT_SECONDS"),
        field<&S::http_max_header_bytes, to_integer<1024, 1048576>>("HTTP_MAX_HEADER_BYTES"),
        field<&S::http_max_connections, to_integer<1, 1000000>>("HTTP_MAX_CONNECTIONS"),
    };
    return table;
}

bool is_known(const std::string& name) {
    const auto& names = known_variables();
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string_view to_string(Environment environment) {
    return environment_names.at(static_cast<std::size_t>(environment));
}

std::string_view to_string(LogLevel level) {
    return log_level_names.at(static_cast<std::size_t>(level));
}

std::string_view to_string(JwtAlgorithm algorithm) {
    return jwt_algorithm_names.at(static_cast<std::size_t>(algorithm));
}

std::string_view to_string(EmbeddingProvider provider) {
    return embedding_provider_names.at(static_cast<std::size_t>(provider));
}

std::string_view to_string(EmotionProvider provider) {
    return emotion_provider_names.at(static_cast<std::size_t>(provider));
}

Settings load_settings(const EnvMap& env_file, const EnvMap& process_env) {
    Settings settings;
    settings.worker_threads = default_worker_threads();
    EnvMap merged = env_file;
    for (const auto& [key, value] : process_env) merged.insert_or_assign(key, value);
    for (const Variable& variable : variables()) {
        const auto found = merged.find(std::string(variable.name));
        if (found == merged.end() && !variable.empty_means_unset) continue;
        const std::string_view text = found == merged.end() ? "" : trim(found->second);
        variable.apply(settings, Raw{variable.name, text, variable.secrecy});
    }
    for (const auto& entry : env_file) {
        if (!is_known(entry.first)) settings.unknown_env_file_keys.push_back(entry.first);
    }
    if (merged.find("MEMORY_SIMILARITY_THRESHOLD") == merged.end()) {
        settings.memory_similarity_threshold =
            settings.embedding_provider == EmbeddingProvider::builtin
                ? kBuiltinSimilarityThreshold
                : kOpenAiSimilarityThreshold;
    }
    if (settings.context_token_budget - settings.lm_studio_max_tokens < 256) {
        throw ConfigError(fmt::format(
            "CONTEXT_TOKEN_BUDGET={} leaves less than 256 tokens for the prompt after "
            "LM_STUDIO_MAX_TOKENS={} is reserved for the reply: raise it or lower "
            "LM_STUDIO_MAX_TOKENS",
            settings.context_token_budget, settings.lm_studio_max_tokens));
    }
    return settings;
}

std::vector<std::pair<std::string, std::string>> describe(const Settings& settings) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Variable& variable : variables()) {
        out.emplace_back(std::string(variable.name), variable.show(settings));
    }
    return out;
}

const std::vector<std::string>& known_variables() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const Variable& variable : variables()) out.emplace_back(variable.name);
        return out;
    }();
    return names;
}

}  // namespace companion::config
