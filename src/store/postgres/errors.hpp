// From PostgreSQL's errors to the store's exceptions and to one-line messages an operator can act
// on. Internal to the PostgreSQL backend.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/errors.hpp"

namespace companion::store::pg {

class PgResult;

// The connection failed while a statement was under way. retryable() when the statement cannot
// have reached the server, so running it again on another connection is safe.
class ConnectionLost : public Unavailable {
public:
    ConnectionLost(const std::string& message, bool retryable)
        : Unavailable(message), retryable_(retryable) {}
    bool retryable() const { return retryable_; }

private:
    bool retryable_;
};

// Throws the store exception for an error result: Conflict for a unique violation, Unavailable
// for server and connection trouble, StoreError otherwise.
[[noreturn]] void throw_result_error(const PgResult& result);

// "cannot connect to PostgreSQL at host:port: <reason>" from libpq's multi-line error text.
std::string connection_failure(std::string_view libpq_message, std::string_view host_label);

// The operator's message for a failed CREATE EXTENSION (missing package or privilege), nullopt
// when the error is about something else.
std::optional<std::string> explain_extension_error(std::string_view sqlstate,
                                                   std::string_view message, int server_version);

// The first line of libpq's error text, without the "ERROR:  " / "FATAL:  " prefix.
std::string first_line(std::string_view text);

}  // namespace companion::store::pg
