#include "store/postgres/pool.hpp"

#include <algorithm>

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/postgres/cancel.hpp"

namespace companion::store::pg {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const Statement begin_statement{"", "BEGIN"};

}  // namespace

std::shared_ptr<PgPool> PgPool::create(asio::any_io_executor executor, PoolConfig config) {
    return std::shared_ptr<PgPool>(new PgPool(std::move(executor), std::move(config)));
}

PgPool::PgPool(asio::any_io_executor executor, PoolConfig config)
    : executor_(std::move(executor)),
      config_(std::move(config)),
      client_timeout_(config_.statement_timeout.count() > 0 ? config_.statement_timeout + 1s
                                                            : std::chrono::milliseconds(1h)),
      reaper_(executor_),
      canceller_(std::make_shared<CancelWorker>()) {}

PgPool::~PgPool() { canceller_->stop(); }

PgPoolStats PgPool::stats() const {
    std::lock_guard lock(mutex_);
    PgPoolStats stats = counters_;
    stats.open = open_;
    stats.idle = static_cast<int>(idle_.size());
    stats.in_use = open_ - stats.idle;
    stats.waiting = static_cast<int>(waiters_.size());
    return stats;
}

Task<Lease> PgPool::acquire() {
    return acquire(config_.acquire_timeout, config_.connect.connect_timeout);
}

Task<Lease> PgPool::acquire(std::chrono::milliseconds timeout,
                            std::chrono::milliseconds connect_timeout) {
    const auto self = shared_from_this();  // the pool outlives the wait
    const Deadline deadline = SteadyClock::now() + timeout;
    Handoff handoff;
    {
        std::lock_guard lock(mutex_);
        handoff = take_locked();
    }
    if (handoff.kind == Handoff::Kind::none) {
        handoff = co_await asio::async_initiate<decltype(asio::use_awaitable), void(Handoff)>(
            [this, deadline](auto handler) { enqueue(std::move(handler), deadline); },
            asio::use_awaitable);
    }
    while (handoff.kind == Handoff::Kind::connection) {
        if (handoff.connection->check_alive()) {
            co_return Lease(self, std::move(handoff.connection));
        }
        handoff = replace_dead(std::move(handoff.connection));
    }
    if (handoff.kind == Handoff::Kind::closed) {
        throw Unavailable("the PostgreSQL store is closed");
    }
    if (handoff.kind == Handoff::Kind::timeout) {
        throw Busy("database_busy: no database connection became free within " +
                   describe_duration(timeout));
    }
    std::unique_ptr<PgConnection> connection;
    std::exception_ptr failure;
    try {
        ConnectSettings settings = config_.connect;
        settings.connect_timeout = connect_timeout;
        connection = co_await PgConnection::open(executor_, settings, canceller_);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        {
            std::lock_guard lock(mutex_);
            --open_;
            grant_slot_locked();
        }
        std::rethrow_exception(failure);
    }
    {
        std::lock_guard lock(mutex_);
        ++counters_.opened;
    }
    co_return Lease(self, std::move(connection));
}

PgPool::Handoff PgPool::take_locked() {
    Handoff handoff;
    if (closed_) {
        handoff.kind = Handoff::Kind::closed;
    } else if (!idle_.empty()) {
        handoff.kind = Handoff::Kind::connection;
        handoff.connection = std::move(idle_.back().connection);
        idle_.pop_back();
    } else if (open_ < config_.size + config_.max_overflow) {
        handoff.kind = Handoff::Kind::slot;
        ++open_;
        counters_.peak_open = std::max(counters_.peak_open, open_);
        arm_reaper_locked();
    }
    return handoff;
}

void PgPool::enqueue(asio::any_completion_handler<void(Handoff)> handler, Deadline deadline) {
    std::lock_guard lock(mutex_);
    auto waiter = std::make_shared<Waiter>(std::move(handler), executor_);
    // A connection may have come back between the first look and now.
    if (Handoff handoff = take_locked(); handoff.kind != Handoff::Kind::none) {
        complete_locked(*waiter, std::move(handoff));
        return;
    }
    waiters_.push_back(waiter);
    waiter->timer.expires_at(deadline);
    waiter->timer.async_wait([weak = weak_from_this(), waiter](boost::system::error_code) {
        if (auto self = weak.lock()) self->expire(waiter);
    });
}

void PgPool::complete_locked(Waiter& waiter, Handoff handoff) {
    waiter.done = true;
    waiter.timer.cancel();
    // Resume the waiter outside the lock, through its own executor (a strand, say).
    asio::post(executor_, [handler = std::move(waiter.handler),
                           handoff = std::move(handoff)]() mutable {
        const auto executor = asio::get_associated_executor(handler);
        asio::dispatch(executor, [handler = std::move(handler),
                                  handoff = std::move(handoff)]() mutable {
            std::move(handler)(std::move(handoff));
        });
    });
}

void PgPool::expire(const std::shared_ptr<Waiter>& waiter) {
    std::lock_guard lock(mutex_);
    if (waiter->done) return;
    if (const auto it = std::find(waiters_.begin(), waiters_.end(), waiter); it != waiters_.end()) {
        waiters_.erase(it);
    }
    ++counters_.busy_timeouts;
    complete_locked(*waiter, Handoff{Handoff::Kind::timeout, nullptr});
}

void PgPool::grant_slot_locked() {
    if (waiters_.empty() || open_ >= config_.size + config_.max_overflow) return;
    auto waiter = waiters_.front();
    waiters_.pop_front();
    ++open_;
    counters_.peak_open = std::max(counters_.peak_open, open_);
    arm_reaper_locked();
    complete_locked(*waiter, Handoff{Handoff::Kind::slot, nullptr});
}

void PgPool::close() {
    canceller_->stop();
    std::vector<std::unique_ptr<PgConnection>> closing;  // closed after the lock is released
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& idle : idle_) closing.push_back(std::move(idle.connection));
    open_ -= static_cast<int>(idle_.size());
    idle_.clear();
    reaper_.cancel();
    reaper_armed_ = false;
    for (auto& waiter : waiters_) complete_locked(*waiter, Handoff{Handoff::Kind::closed, nullptr});
    waiters_.clear();
}

void PgPool::release(std::unique_ptr<PgConnection> connection) {
    const bool reusable = connection->reusable();
    std::unique_ptr<PgConnection> closing;  // closed after the lock is released
    std::lock_guard lock(mutex_);
    if (!reusable || closed_) {
        closing = std::move(connection);
        --open_;
        if (!reusable) ++counters_.discarded;
        grant_slot_locked();
    } else if (!waiters_.empty()) {
        auto waiter = waiters_.front();
        waiters_.pop_front();
        complete_locked(*waiter, Handoff{Handoff::Kind::connection, std::move(connection)});
    } else {
        idle_.push_back(Idle{std::move(connection), SteadyClock::now()});
    }
}

PgPool::Handoff PgPool::replace_dead(std::unique_ptr<PgConnection> dead) {
    Handoff handoff;
    {
        std::lock_guard lock(mutex_);
        ++counters_.discarded;
        if (closed_) {
            --open_;
            handoff.kind = Handoff::Kind::closed;
        } else if (!idle_.empty()) {
            // Another idle connection takes the dead one's place; its slot was counted already.
            handoff.kind = Handoff::Kind::connection;
            handoff.connection = std::move(idle_.back().connection);
            idle_.pop_back();
            --open_;
            grant_slot_locked();
        } else {
            handoff.kind = Handoff::Kind::slot;
        }
    }
    dead.reset();  // PQfinish outside the lock
    return handoff;
}

void PgPool::arm_reaper_locked() {
    if (reaper_armed_ || open_ <= config_.size) return;
    reaper_armed_ = true;
    reaper_.expires_after(
        std::clamp<std::chrono::milliseconds>(config_.overflow_idle / 2, 50ms, 5s));
    reaper_.async_wait([weak = weak_from_this()](boost::system::error_code error) {
        if (error) return;
        if (auto self = weak.lock()) self->reap();
    });
}

void PgPool::reap() {
    std::vector<std::unique_ptr<PgConnection>> closing;  // closed after the lock is released
    std::lock_guard lock(mutex_);
    reaper_armed_ = false;
    if (closed_) return;  // a timer that fired just before close() must not re-arm itself
    const auto now = SteadyClock::now();
    while (open_ > config_.size && !idle_.empty() &&
           now - idle_.front().since >= config_.overflow_idle) {
        closing.push_back(std::move(idle_.front().connection));
        idle_.pop_front();
        --open_;
        ++counters_.reaped;
    }
    arm_reaper_locked();
}

Task<Lease> PgPool::begin() {
    for (int attempt = 1;; ++attempt) {
        Lease lease = co_await acquire();
        try {
            const Params none;
            PgResult result =
                co_await lease->execute(begin_statement, none, statement_deadline());
            if (!result.ok()) throw_result_error(result);
            co_return std::move(lease);
        } catch (const ConnectionLost&) {
            // Nothing of the transaction has run yet: another connection is safe.
            if (attempt > 1) throw;
        }
    }
}

Task<PgResult> PgPool::query(const Statement& statement, const Params& params) {
    PgResult result = co_await query(
        statement, params,
        Limits{config_.acquire_timeout, config_.connect.connect_timeout, client_timeout_});
    co_return result;
}

Task<PgResult> PgPool::query(const Statement& statement, const Params& params, Limits limits) {
    for (int attempt = 1;; ++attempt) {
        Lease lease = co_await acquire(limits.acquire, limits.connect);
        try {
            PgResult result = co_await lease->execute(statement, params,
                                                      SteadyClock::now() + limits.statement);
            if (!result.ok()) throw_result_error(result);
            co_return result;
        } catch (const ConnectionLost& lost) {
            if (!lost.retryable() || attempt > 1) throw;
        }
    }
}

}  // namespace companion::store::pg
