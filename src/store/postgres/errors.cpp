#include "store/postgres/errors.hpp"

#include <stdexcept>

#include "store/postgres/result.hpp"

namespace companion::store::pg {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

std::string conflict_message(const std::string& constraint) {
    if (constraint == "uq_users_username_key") return "username is already taken";
    if (constraint == "uq_api_keys_key_hash") return "an API key with this hash already exists";
    if (constraint == "revoked_tokens_pkey") return "this token is already revoked";
    return "a row with the same unique value already exists (" + constraint + ")";
}

bool unavailable_state(const std::string& state) {
    return state.starts_with("08") || state.starts_with("53") || state == "57P01" ||
           state == "57P02" || state == "57P03" || state == "25006";
}

// 'extension "vector" is not available' (PostgreSQL 15+), or 'could not open extension control
// file ".../vector.control"' (older servers).
std::string extension_named(std::string_view message) {
    if (const auto quote = message.find("extension \""); quote != std::string_view::npos) {
        const auto start = quote + 11;
        const auto end = message.find('"', start);
        if (end != std::string_view::npos) return std::string(message.substr(start, end - start));
    }
    if (const auto control = message.find(".control\""); control != std::string_view::npos) {
        const auto slash = message.rfind('/', control);
        if (slash != std::string_view::npos) {
            return std::string(message.substr(slash + 1, control - slash - 1));
        }
    }
    return {};
}

}  // namespace

std::string first_line(std::string_view text) {
    for (std::string_view prefix : {"FATAL:  ", "ERROR:  ", "PANIC:  "}) {
        if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
    }
    return std::string(trim(text.substr(0, text.find('\n'))));
}

void throw_result_error(const PgResult& result) {
    const std::string state = result.sqlstate();
    const std::string message = result.message();
    if (state == "23505") throw Conflict(conflict_message(result.constraint()));
    // A caller's bad input, reported as the SQLite backend reports it.
    if (state == "23503") {
        throw std::invalid_argument(
            "refers to a user, conversation, message or goal that does not exist (" +
            result.constraint() + ")");
    }
    if (state.starts_with("22") || state == "23502" || state == "23514") {
        throw std::invalid_argument(message);
    }
    if (state == "57014") {
        throw Unavailable("the database statement took too long and was cancelled: " + message);
    }
    if (state == "40001" || state == "40P01") {
        throw Unavailable("the database statement conflicted with another one, try again: " +
                          message);
    }
    if (unavailable_state(state)) throw Unavailable("PostgreSQL is unavailable: " + message);
    throw StoreError("PostgreSQL error " + (state.empty() ? std::string("?") : state) + ": " +
                     message);
}

std::string connection_failure(std::string_view libpq_message, std::string_view host_label) {
    std::string_view reason = libpq_message;
    // libpq 14+: 'connection to server at "h" (addr), port p failed: <reason>'; one such line
    // per address tried, the last is the final verdict.
    if (const auto at = reason.rfind("connection to server "); at != std::string_view::npos) {
        reason.remove_prefix(at);
        if (const auto failed = reason.find("failed: "); failed != std::string_view::npos) {
            reason.remove_prefix(failed + 8);
        }
    }
    std::string line = first_line(reason);
    if (line.empty()) line = "unknown error";
    return "cannot connect to PostgreSQL at " + std::string(host_label) + ": " + line;
}

std::optional<std::string> explain_extension_error(std::string_view sqlstate,
                                                   std::string_view message, int server_version) {
    const std::string name = extension_named(message);
    if (name.empty()) return std::nullopt;
    const bool vector = name == "vector";
    const std::string label = vector ? "pgvector" : name;
    if (sqlstate == "42501") {
        return "the PostgreSQL role may not create the " + label +
               " extension: a superuser must run CREATE EXTENSION " + name +
               " once in this database, then run `companion migrate up`";
    }
    const bool missing = sqlstate == "0A000" || sqlstate == "58P01" ||
                         message.find("is not available") != std::string_view::npos;
    if (!missing) return std::nullopt;
    if (!vector) {
        return "PostgreSQL has no " + name +
               " extension: install it on the database server, then run `companion migrate up`";
    }
    const std::string major = server_version > 0 ? std::to_string(server_version / 10000)
                                                 : std::string("<version>");
    return "PostgreSQL has no pgvector extension: install postgresql-" + major +
           "-pgvector (Debian/Ubuntu) or use the pgvector/pgvector image, then run "
           "`companion migrate up`";
}

}  // namespace companion::store::pg
