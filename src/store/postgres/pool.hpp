// The connection pool: `size` connections that may grow by `max_overflow` under load (overflow
// connections close again after sitting idle), a bounded wait for a free connection
// (store::Busy), validation on acquire, one retry of a statement that cannot have reached the
// server, and transactions on one leased connection. Thread-safe.
#pragma once

#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <type_traits>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/steady_timer.hpp>

#include "store/postgres/connection.hpp"
#include "store/postgres/pg_stats.hpp"

namespace companion::store::pg {

struct PoolConfig {
    ConnectSettings connect;
    int size = 20;
    int max_overflow = 40;
    std::chrono::milliseconds acquire_timeout{5000};
    std::chrono::milliseconds statement_timeout{10000};  // the server's; the client waits longer
    std::chrono::milliseconds overflow_idle{30000};
};

class PgPool;

// A leased connection; back to the pool on destruction, or closed when it is no longer usable.
class Lease {
public:
    Lease(std::shared_ptr<PgPool> pool, std::unique_ptr<PgConnection> connection);
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    PgConnection* operator->() { return connection_.get(); }
    PgConnection& connection() { return *connection_; }
    void discard() { connection_->mark_broken(); }

    // One statement within the pool's statement deadline; an error result is thrown as the
    // store's exception (Conflict, Unavailable, StoreError).
    Task<PgResult> query(const Statement& statement, const Params& params);
    Task<PgResult> script(std::string sql);
    // ROLLBACK when a transaction is open; a failure only makes the connection unusable.
    Task<void> rollback_quietly();

private:
    std::shared_ptr<PgPool> pool_;
    std::unique_ptr<PgConnection> connection_;
};

// The statements of one transaction.
class Tx {
public:
    explicit Tx(Lease& lease) : lease_(&lease) {}
    Task<PgResult> query(const Statement& statement, const Params& params) {
        return lease_->query(statement, params);
    }

private:
    Lease* lease_;
};

template <class T>
struct TaskValue;
template <class T>
struct TaskValue<Task<T>> {
    using type = T;
};

class PgPool : public std::enable_shared_from_this<PgPool> {
public:
    struct Limits {
        std::chrono::milliseconds acquire;
        std::chrono::milliseconds connect;
        std::chrono::milliseconds statement;
    };

    static std::shared_ptr<PgPool> create(boost::asio::any_io_executor executor,
                                          PoolConfig config);
    PgPool(const PgPool&) = delete;
    PgPool& operator=(const PgPool&) = delete;
    ~PgPool();

    // A validated connection within the acquire timeout, else store::Busy.
    Task<Lease> acquire();
    // connect_timeout bounds opening a new connection when one is needed.
    Task<Lease> acquire(std::chrono::milliseconds timeout,
                        std::chrono::milliseconds connect_timeout);

    // One statement on a pooled connection; an error result is thrown as the store's exception.
    Task<PgResult> query(const Statement& statement, const Params& params);
    Task<PgResult> query(const Statement& statement, const Params& params, Limits limits);

    // Runs body(Tx&) -> Task<T> between BEGIN and COMMIT on one connection; ROLLBACK when it
    // throws. Retried on a fresh connection only when BEGIN itself loses the connection.
    template <class Body>
    auto transaction(Body body)
        -> Task<typename TaskValue<std::invoke_result_t<Body&, Tx&>>::type>;

    // Closes the idle connections, stops the timers and joins the cancel thread; later
    // acquisitions throw Unavailable and connections still leased are closed when they come back.
    void close();

    Deadline statement_deadline() const { return SteadyClock::now() + client_timeout_; }
    PgPoolStats stats() const;
    const PoolConfig& config() const { return config_; }

private:
    friend class Lease;
    struct Handoff {
        enum class Kind { none, connection, slot, timeout, closed } kind = Kind::none;
        std::unique_ptr<PgConnection> connection;
    };
    struct Waiter {
        // Constructed, never assigned: Asio 1.81's any_completion_handler move assignment
        // recurses forever.
        Waiter(boost::asio::any_completion_handler<void(Handoff)> waiting,
               const boost::asio::any_io_executor& executor)
            : handler(std::move(waiting)), timer(executor) {}
        boost::asio::any_completion_handler<void(Handoff)> handler;
        boost::asio::steady_timer timer;
        bool done = false;
    };
    struct Idle {
        std::unique_ptr<PgConnection> connection;
        Deadline since;
    };

    PgPool(boost::asio::any_io_executor executor, PoolConfig config);
    Task<Lease> begin();
    Handoff take_locked();
    void enqueue(boost::asio::any_completion_handler<void(Handoff)> handler, Deadline deadline);
    void complete_locked(Waiter& waiter, Handoff handoff);
    void expire(const std::shared_ptr<Waiter>& waiter);
    void grant_slot_locked();
    void release(std::unique_ptr<PgConnection> connection);
    // For an acquirer whose connection failed its check: it keeps the slot (and so its place
    // ahead of later waiters), to open a new connection in, or takes another idle one.
    Handoff replace_dead(std::unique_ptr<PgConnection> dead);
    void arm_reaper_locked();
    void reap();

    boost::asio::any_io_executor executor_;
    PoolConfig config_;
    std::chrono::milliseconds client_timeout_;
    mutable std::mutex mutex_;
    std::deque<Idle> idle_;  // most recently used at the back
    std::deque<std::shared_ptr<Waiter>> waiters_;
    boost::asio::steady_timer reaper_;
    bool reaper_armed_ = false;
    bool closed_ = false;
    int open_ = 0;
    PgPoolStats counters_;
    std::shared_ptr<CancelWorker> canceller_;  // stopped by close() and the destructor
};

template <class Body>
auto PgPool::transaction(Body body)
    -> Task<typename TaskValue<std::invoke_result_t<Body&, Tx&>>::type> {
    using Value = typename TaskValue<std::invoke_result_t<Body&, Tx&>>::type;
    Lease lease = co_await begin();
    Tx tx(lease);
    std::exception_ptr failure;
    try {
        if constexpr (std::is_void_v<Value>) {
            co_await body(tx);
            co_await lease.script("COMMIT");
            co_return;
        } else {
            Value value = co_await body(tx);
            co_await lease.script("COMMIT");
            co_return value;
        }
    } catch (...) {
        failure = std::current_exception();
    }
    co_await lease.rollback_quietly();
    std::rethrow_exception(failure);
}

}  // namespace companion::store::pg
