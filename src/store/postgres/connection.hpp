// One libpq connection driven by Asio: libpq's non-blocking API (PQconnectPoll, PQsend*, PQflush,
// PQconsumeInput) with the waiting done on the socket through a stream_descriptor, so no I/O
// thread ever blocks in libpq. Used by one coroutine at a time (the pool leases it).
#pragma once

#include <postgresql/libpq-fe.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "store/postgres/errors.hpp"
#include "store/postgres/params.hpp"
#include "store/postgres/result.hpp"
#include "store/store.hpp"

namespace companion::store::pg {

class CancelWorker;
using SteadyClock = std::chrono::steady_clock;
using Deadline = SteadyClock::time_point;

// A statement of the store. A non-empty name makes it a prepared statement, prepared on first use
// on each connection and reused from then on.
struct Statement {
    const char* name;
    const char* sql;
};

struct ConnectSettings {
    std::vector<std::pair<std::string, std::string>> keywords;  // libpq keyword -> value
    std::chrono::milliseconds connect_timeout{5000};
    std::string host_label;  // "host:port" for messages
};

// Reads a libpq URL (postgresql://user:pass@host:port/db?...) without connecting, and adds the
// server-side statement timeout. Throws std::invalid_argument for a URL libpq cannot read.
ConnectSettings parse_connect_settings(std::string_view url,
                                       std::chrono::milliseconds statement_timeout,
                                       std::chrono::milliseconds connect_timeout);

class PgConnection {
public:
    using Executor = boost::asio::any_io_executor;

    // Connects within settings.connect_timeout (host-name lookups included); throws Unavailable
    // with a one-line reason. Statements given up on are cancelled through `canceller`.
    static Task<std::unique_ptr<PgConnection>> open(Executor executor,
                                                    const ConnectSettings& settings,
                                                    std::shared_ptr<CancelWorker> canceller);

    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;
    ~PgConnection();

    // One statement (extended protocol, text parameters). Returns its result, an error result
    // included. Throws ConnectionLost when the connection fails, and Unavailable when the deadline
    // passes (the statement is then cancelled on the server and the connection is not reused).
    Task<PgResult> execute(const Statement& statement, const Params& params, Deadline deadline);
    // Several statements in one string (simple-query protocol), e.g. a migration file. Returns
    // the first error result, else the last result.
    Task<PgResult> execute_script(std::string sql, Deadline deadline);

    // A cheap non-blocking check before reuse: still connected, nothing pending, and the socket
    // has not turned readable (the server closing it, e.g. after a restart).
    bool check_alive();
    // Healthy and outside any transaction or statement.
    bool reusable() const;
    void mark_broken() { broken_ = true; }
    // Still connected and not given up on (it may be inside a transaction).
    bool connected() const { return !broken_ && PQstatus(connection_) == CONNECTION_OK; }
    bool in_transaction() const;

    bool is_prepared(std::string_view name) const { return prepared_.contains(name); }
    int server_version() const { return PQserverVersion(connection_); }
    int backend_pid() const { return PQbackendPID(connection_); }

private:
    PgConnection(Executor executor, PGconn* connection, std::string host_label,
                 std::shared_ptr<CancelWorker> canceller);

    static void on_notice(void* self, const PGresult* notice);
    void attach_socket();
    std::string label() const;
    [[noreturn]] void fail_connect();
    [[noreturn]] void fail(bool retryable);
    [[noreturn]] void abandon();
    // Waits until the socket is ready in a wanted direction; false when the deadline passed.
    Task<bool> wait(bool readable, bool writable, Deadline deadline);
    Task<PgResult> finish(Deadline deadline, bool retryable);

    PGconn* connection_;
    boost::asio::posix::stream_descriptor socket_;  // a duplicate of libpq's socket
    boost::asio::steady_timer timer_;
    std::set<std::string, std::less<>> prepared_;
    std::string host_label_;
    std::shared_ptr<CancelWorker> canceller_;
    std::chrono::milliseconds budget_{0};  // of the statement under way, for messages
    bool broken_ = false;
};

// "5 s" or "250 ms".
std::string describe_duration(std::chrono::milliseconds duration);

}  // namespace companion::store::pg
