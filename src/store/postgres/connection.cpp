#include "store/postgres/connection.hpp"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <tuple>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/postgres/cancel.hpp"

namespace companion::store::pg {
namespace {

namespace asio = boost::asio;
using asio::posix::descriptor_base;

// Asio's epoll is edge-triggered and libpq may leave bytes unread: readiness that came before the
// wait was queued is never reported, so poll once after queueing and cut the wait short.
template <class Token>
auto async_ready(asio::posix::stream_descriptor& socket, descriptor_base::wait_type type,
                 Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code)>(
        [&socket, type](auto handler) {
            socket.async_wait(type, std::move(handler));
            pollfd probe{socket.native_handle(),
                         static_cast<short>(type == descriptor_base::wait_read ? POLLIN : POLLOUT),
                         0};
            if (::poll(&probe, 1, 0) > 0) {
                boost::system::error_code ignored;
                socket.cancel(ignored);
            }
        },
        token);
}

}  // namespace

std::string describe_duration(std::chrono::milliseconds duration) {
    if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
    return std::to_string(duration.count()) + " ms";
}

PgConnection::PgConnection(Executor executor, PGconn* connection, std::string host_label,
                           std::shared_ptr<CancelWorker> canceller)
    : connection_(connection),
      socket_(executor),
      timer_(executor),
      host_label_(std::move(host_label)),
      canceller_(std::move(canceller)) {}

PgConnection::~PgConnection() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    PQfinish(connection_);
}

// Asio watches a dup of libpq's socket: libpq closes its own fd by itself (lost connection, next
// address), and Asio releasing that fd later would deregister whatever socket reused the number.
void PgConnection::attach_socket() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    const int fd = PQsocket(connection_);
    if (fd < 0) return;
    const int watched = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (watched < 0) {
        broken_ = true;
        throw Unavailable(std::string("cannot watch the PostgreSQL socket: ") +
                          std::strerror(errno));
    }
    socket_.assign(watched);
}

bool PgConnection::in_transaction() const {
    const auto status = PQtransactionStatus(connection_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

bool PgConnection::reusable() const {
    return !broken_ && PQstatus(connection_) == CONNECTION_OK &&
           PQtransactionStatus(connection_) == PQTRANS_IDLE;
}

bool PgConnection::check_alive() {
    if (!reusable()) return false;
    // A server that went away left the socket readable (its last words, then end of file).
    for (int round = 0; round < 4; ++round) {
        pollfd probe{PQsocket(connection_), POLLIN, 0};
        const int ready = ::poll(&probe, 1, 0);
        if (ready == 0) return true;
        if (ready < 0) return false;
        if (PQconsumeInput(connection_) == 0 || PQstatus(connection_) != CONNECTION_OK) {
            broken_ = true;
            return false;
        }
        while (PGnotify* notification = PQnotifies(connection_)) PQfreemem(notification);
        if (broken_) return false;  // a FATAL notice came in (on_notice)
    }
    return PQstatus(connection_) == CONNECTION_OK;
}

Task<bool> PgConnection::wait(bool readable, bool writable, Deadline deadline) {
    using asio::experimental::make_parallel_group;
    using asio::experimental::wait_for_one;
    timer_.expires_at(deadline);
    if (readable && writable) {
        const auto outcome =
            co_await make_parallel_group(
                async_ready(socket_, descriptor_base::wait_read, asio::deferred),
                async_ready(socket_, descriptor_base::wait_write, asio::deferred),
                timer_.async_wait(asio::deferred))
                .async_wait(wait_for_one(), asio::use_awaitable);
        co_return std::get<0>(outcome)[0] != 2;
    }
    const auto type = readable ? descriptor_base::wait_read : descriptor_base::wait_write;
    const auto outcome = co_await make_parallel_group(async_ready(socket_, type, asio::deferred),
                                                      timer_.async_wait(asio::deferred))
                             .async_wait(wait_for_one(), asio::use_awaitable);
    co_return std::get<0>(outcome)[0] != 1;
}

void PgConnection::fail(bool retryable) {
    broken_ = true;
    std::string reason = first_line(PQerrorMessage(connection_));
    if (reason.empty()) reason = "the connection failed";
    throw ConnectionLost("lost the connection to PostgreSQL: " + reason, retryable);
}

void PgConnection::abandon() {
    broken_ = true;
    // PQcancel blocks (it opens a new connection): the pool's cancel worker sends it.
    if (PGcancel* cancel = PQgetCancel(connection_)) {
        if (canceller_) {
            canceller_->submit(cancel);
        } else {
            PQfreeCancel(cancel);
        }
    }
    throw Unavailable("PostgreSQL did not answer within " + describe_duration(budget_) +
                      "; the statement was cancelled");
}

Task<PgResult> PgConnection::execute(const Statement& statement, const Params& params,
                                     Deadline deadline) {
    budget_ = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    const std::string_view name = statement.name;
    if (!name.empty() && !prepared_.contains(name)) {
        if (PQsendPrepare(connection_, statement.name, statement.sql, 0, nullptr) == 0) fail(true);
        PgResult prepared = co_await finish(deadline, true);
        if (!prepared.ok()) co_return prepared;
        prepared_.emplace(name);
    }
    const auto values = params.pointers();
    const int sent =
        name.empty()
            ? PQsendQueryParams(connection_, statement.sql, params.size(), nullptr, values.data(),
                                nullptr, nullptr, 0)
            : PQsendQueryPrepared(connection_, statement.name, params.size(), values.data(),
                                  nullptr, nullptr, 0);
    if (sent == 0) fail(true);
    PgResult result = co_await finish(deadline, false);
    co_return result;
}

Task<PgResult> PgConnection::execute_script(std::string sql, Deadline deadline) {
    budget_ = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (PQsendQuery(connection_, sql.c_str()) == 0) fail(true);
    PgResult result = co_await finish(deadline, false);
    co_return result;
}

Task<PgResult> PgConnection::finish(Deadline deadline, bool retryable) {
    while (true) {
        const int flushed = PQflush(connection_);
        if (flushed == 0) break;
        if (flushed < 0) fail(retryable);
        // The server may be answering while we still send: read too, or both sides could block.
        const bool ready = co_await wait(true, true, deadline);
        if (!ready) abandon();
        if (PQconsumeInput(connection_) == 0) fail(retryable);
    }
    PgResult error;
    PgResult last;
    bool done = false;
    while (!done) {
        if (PQconsumeInput(connection_) == 0) fail(retryable);
        while (!done && PQisBusy(connection_) == 0) {
            PGresult* raw = PQgetResult(connection_);
            if (raw == nullptr) {
                done = true;
            } else if (PgResult next(raw); !next.ok() && !error) {
                error = std::move(next);
            } else {
                last = std::move(next);
            }
        }
        if (done) break;
        const bool ready = co_await wait(true, false, deadline);
        if (!ready) abandon();
    }
    if (PQstatus(connection_) == CONNECTION_BAD) {
        broken_ = true;
        std::string reason = error ? error.message() : first_line(PQerrorMessage(connection_));
        throw ConnectionLost("lost the connection to PostgreSQL: " + reason, retryable);
    }
    if (error) co_return std::move(error);
    co_return std::move(last);
}

}  // namespace companion::store::pg
