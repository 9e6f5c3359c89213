// The PostgreSQL connection pool against the real server: growth up to size + overflow and no
// further, shrinking back when idle, the bounded wait (Busy), statement deadlines on the server
// and on the client, prepared statements, and many I/O threads sharing one pool.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <postgresql/libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "store/errors.hpp"
#include "store/postgres/pg_stats.hpp"
#include "store/postgres/store_impl.hpp"
#include "support/async.hpp"
#include "support/postgres_admin.hpp"
#include "util/uuid.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
using store::pg::Params;
using store::pg::PgPool;
using store::pg::Statement;
using Clock = std::chrono::steady_clock;

const Statement kSleep{"", "SELECT pg_sleep($1::double precision)"};

// A blocking superuser session, to look at the server from the outside (test thread only).
class AdminSession {
public:
    AdminSession() {
        const char* url = std::getenv("COMPANION_TEST_PG_ADMIN_URL");
        if (url == nullptr) throw std::runtime_error("run `scripts/services.sh up` and its env");
        connection_ = PQconnectdb(url);
        if (PQstatus(connection_) != CONNECTION_OK) {
            throw std::runtime_error(std::string("admin: ") + PQerrorMessage(connection_));
        }
    }
    ~AdminSession() { PQfinish(connection_); }
    AdminSession(const AdminSession&) = delete;
    AdminSession& operator=(const AdminSession&) = delete;

    std::int64_t count(const std::string& sql) {
        PGresult* result = PQexec(connection_, sql.c_str());
        const bool ok = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1;
        const std::int64_t value = ok ? std::atoll(PQgetvalue(result, 0, 0)) : -1;
        PQclear(result);
        if (!ok) throw std::runtime_error("admin query failed: " + sql);
        return value;
    }
    std::int64_t backends(const std::string& database) {
        return count("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database +
                     "' AND backend_type = 'client backend'");
    }

private:
    PGconn* connection_ = nullptr;
};

store::PgOptions options(int size, int overflow) {
    store::PgOptions options;
    options.pool_size = size;
    options.max_overflow = overflow;
    return options;
}

// A store on a throwaway database; its coroutines and its I/O on one loop.
struct Fixture {
    explicit Fixture(store::PgOptions options) {
        options.url = database.url();
        store = std::make_unique<store::PgStore>(loop.executor(), options);
        loop.run(store->migrate_up());
    }
    PgPool& pool() { return store->pool(); }
    store::PgPoolStats stats() const { return store::postgres_pool_stats(*store); }

    ThrowawayDatabase database;
    TestLoop loop;
    std::unique_ptr<store::PgStore> store;
};

store::Task<void> sleep_on(PgPool& pool, double seconds) {
    const Params params(seconds);
    co_await pool.query(kSleep, params);
}

TEST(PostgresPool, GrowsToSizePlusOverflowUnderLoadAndNoFurtherThenShrinksBack) {
    auto opts = options(2, 3);
    opts.overflow_idle = 1s;
    opts.acquire_timeout = 10s;
    Fixture fx(opts);
    AdminSession admin;
    std::vector<std::future<void>> tasks;
    for (int i = 0; i < 12; ++i) tasks.push_back(fx.loop.start(sleep_on(fx.pool(), 0.3)));
    int most_waiting = 0;
    std::int64_t most_on_server = 0;
    for (auto& task : tasks) {
        while (task.wait_for(10ms) != std::future_status::ready) {
            most_waiting = std::max(most_waiting, fx.stats().waiting);
            most_on_server = std::max(most_on_server, admin.backends(fx.database.name()));
        }
        task.get();
    }
    const auto loaded = fx.stats();
    EXPECT_EQ(loaded.peak_open, 5);
    EXPECT_EQ(loaded.opened, 6);  // migrate_up's session first
    EXPECT_EQ(loaded.open, 5);
    EXPECT_EQ(loaded.idle, 5);
    EXPECT_GT(most_waiting, 0) << "12 statements on 5 connections must queue";
    EXPECT_LE(most_on_server, 5);
    EXPECT_GE(most_on_server, 3);

    const auto idle_since = Clock::now();
    ASSERT_TRUE(eventually([&] { return fx.stats().open == 2; }, 5s)) << fx.stats().open;
    EXPECT_GE(Clock::now() - idle_since, 900ms) << "overflow connections must sit idle first";
    EXPECT_EQ(fx.stats().reaped, 3);
    EXPECT_TRUE(eventually([&] { return admin.backends(fx.database.name()) == 2; }, 3s));
    EXPECT_TRUE(fx.loop.run(fx.store->ping()));
    EXPECT_EQ(fx.stats().opened, 6) << "the pool's own connections stay open";
}

store::Task<void> hold_connection(PgPool& pool, std::chrono::milliseconds duration) {
    auto lease = co_await pool.acquire();
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, duration);
    co_await timer.async_wait(boost::asio::use_awaitable);
}

TEST(PostgresPool, WaitForAFreeConnectionIsBoundedAndGivesBusy) {
    auto opts = options(1, 0);
    opts.acquire_timeout = 300ms;
    Fixture fx(opts);
    auto holder = fx.loop.start(hold_connection(fx.pool(), 1500ms));
    ASSERT_TRUE(eventually([&] { return fx.stats().in_use == 1; }, 2s));
    const auto started = Clock::now();
    try {
        fx.loop.run(fx.store->find_user(util::new_uuid_v7()));
        FAIL() << "expected store::Busy";
    } catch (const store::Busy& busy) {
        EXPECT_STREQ(busy.what(),
                     "database_busy: no database connection became free within 300 ms");
    }
    const auto waited = Clock::now() - started;
    EXPECT_GE(waited, 280ms);
    EXPECT_LT(waited, 1s);
    EXPECT_EQ(fx.stats().busy_timeouts, 1);
    EXPECT_EQ(fx.stats().waiting, 0);
    holder.get();
    EXPECT_FALSE(fx.loop.run(fx.store->find_user(util::new_uuid_v7())));
    EXPECT_EQ(fx.stats().opened, 2);  // migrate_up's session, then the one that was held
}

TEST(PostgresPool, WaiterIsHandedTheConnectionAsSoonAsItComesBack) {
    auto opts = options(1, 0);
    opts.acquire_timeout = 5s;
    Fixture fx(opts);
    auto holder = fx.loop.start(hold_connection(fx.pool(), 500ms));
    ASSERT_TRUE(eventually([&] { return fx.stats().in_use == 1; }, 2s));
    const auto started = Clock::now();
    EXPECT_FALSE(fx.loop.run(fx.store->find_user(util::new_uuid_v7())));
    EXPECT_LT(Clock::now() - started, 1s);
    holder.get();
    EXPECT_EQ(fx.stats().busy_timeouts, 0);
    EXPECT_EQ(fx.stats().opened, 2);
}

store::Task<void> hold_until_released(PgPool& pool, std::atomic<int>* pid,
                                      std::atomic<bool>* release) {
    auto lease = co_await pool.acquire();
    *pid = lease->backend_pid();
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    while (!*release) {
        timer.expires_after(10ms);
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
}

// `served` is only touched on the loop's one thread.
store::Task<void> take_turn(PgPool& pool, std::string name, std::vector<std::string>* served) {
    auto lease = co_await pool.acquire();
    served->push_back(std::move(name));
    const Params params(0.2);
    co_await lease.query(kSleep, params);
}

TEST(PostgresPool, WaiterHandedADeadConnectionKeepsItsPlaceInTheQueue) {
    auto opts = options(1, 0);
    opts.acquire_timeout = 5s;
    Fixture fx(opts);
    AdminSession admin;
    std::atomic<int> pid{0};
    std::atomic<bool> release{false};
    auto holder = fx.loop.start(hold_until_released(fx.pool(), &pid, &release));
    ASSERT_TRUE(eventually([&] { return pid != 0; }, 2s));
    std::vector<std::string> served;
    auto first = fx.loop.start(take_turn(fx.pool(), "first", &served));
    ASSERT_TRUE(eventually([&] { return fx.stats().waiting == 1; }, 2s));
    auto second = fx.loop.start(take_turn(fx.pool(), "second", &served));
    ASSERT_TRUE(eventually([&] { return fx.stats().waiting == 2; }, 2s));
    // The server ends the held session (as in a restart); the pool only notices on the next check.
    const auto backend = std::to_string(pid.load());
    EXPECT_EQ(admin.count("SELECT pg_terminate_backend(" + backend + ")::int"), 1);
    ASSERT_TRUE(eventually(
        [&] {
            return admin.count("SELECT count(*) FROM pg_stat_activity WHERE pid = " + backend) ==
                   0;
        },
        5s));
    release = true;
    holder.get();
    first.get();
    second.get();
    EXPECT_EQ(served, (std::vector<std::string>{"first", "second"}));
    const auto stats = fx.stats();
    EXPECT_EQ(stats.busy_timeouts, 0);
    EXPECT_EQ(stats.discarded, 2);  // migrate_up's session and the dead one
    EXPECT_EQ(stats.opened, 3);     // migrate_up's, the held one, its replacement
    EXPECT_EQ(stats.open, 1);
    EXPECT_EQ(stats.peak_open, 1);
}

TEST(PostgresPool, ServerStatementTimeoutGivesUnavailableAndTheConnectionStaysInUse) {
    auto opts = options(1, 0);
    opts.statement_timeout = 300ms;
    Fixture fx(opts);
    const auto started = Clock::now();
    try {
        fx.loop.run(sleep_on(fx.pool(), 3.0));
        FAIL() << "expected store::Unavailable";
    } catch (const store::Unavailable& error) {
        EXPECT_THAT(error.what(), ::testing::HasSubstr("statement timeout"));
    }
    EXPECT_LT(Clock::now() - started, 1500ms);
    EXPECT_TRUE(fx.loop.run(fx.store->ping()));
    EXPECT_EQ(fx.stats().opened, 2);  // migrate_up's session, then the one that timed out
    EXPECT_EQ(fx.stats().discarded, 1) << "only migrate_up's session is closed";
}

store::Task<int> sleep_past_client_deadline(PgPool& pool, std::string* message) {
    auto lease = co_await pool.acquire();
    co_await lease.script("SET statement_timeout = 0");  // only the client's deadline is left
    const int pid = lease->backend_pid();
    const Params params(30.0);
    try {
        co_await lease->execute(kSleep, params, Clock::now() + 300ms);
    } catch (const store::Unavailable& error) {
        *message = error.what();
    }
    co_return pid;
}

TEST(PostgresPool, ClientDeadlineCancelsTheStatementAndReplacesTheConnection) {
    Fixture fx(options(1, 0));
    AdminSession admin;
    std::string message;
    const auto started = Clock::now();
    const int pid = fx.loop.run(sleep_past_client_deadline(fx.pool(), &message));
    EXPECT_LT(Clock::now() - started, 2s);
    EXPECT_EQ(message, "PostgreSQL did not answer within 300 ms; the statement was cancelled");
    // Without the cancel the backend would sleep on for 30 s.
    EXPECT_TRUE(eventually(
        [&] {
            return admin.count("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                               std::to_string(pid)) == 0;
        },
        5s));
    EXPECT_EQ(fx.stats().discarded, 2);  // migrate_up's session and the abandoned one
    EXPECT_TRUE(fx.loop.run(fx.store->ping()));
    EXPECT_EQ(fx.stats().open, 1);
}

store::Task<std::vector<std::string>> prepared_statements(PgPool& pool, bool* cached) {
    auto lease = co_await pool.acquire();
    *cached = lease->is_prepared("companion_find_user");
    const Statement list{"", "SELECT name || ':' || (generic_plans + custom_plans) "
                             "FROM pg_prepared_statements ORDER BY name"};
    const Params none;
    const auto result = co_await lease.query(list, none);
    std::vector<std::string> names;
    for (int i = 0; i < result.rows(); ++i) names.emplace_back(result.text(i, 0));
    co_return names;
}

TEST(PostgresPool, HotQueriesArePreparedOncePerConnectionAndReused) {
    Fixture fx(options(1, 0));
    auto& db = *fx.store;
    const auto user = fx.loop.run(db.create_user({"Prepared", std::nullopt, "hash", false}));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fx.loop.run(db.find_user(user.id)));
    ASSERT_TRUE(fx.loop.run(db.find_user_by_username("prepared")));
    const auto conversation = fx.loop.run(db.create_conversation(user.id, "c"));
    ASSERT_TRUE(fx.loop.run(db.find_conversation(user.id, conversation.id)));
    store::Message message;
    message.user_id = user.id;
    message.conversation_id = conversation.id;
    message.content = "hello";
    ASSERT_TRUE(fx.loop.run(db.append_message(message)));
    EXPECT_EQ(fx.loop.run(db.list_messages(user.id, conversation.id, 10, {})).rows.size(), 1u);
    EXPECT_EQ(fx.loop.run(db.recent_messages(user.id, conversation.id, 10)).size(), 1u);
    EXPECT_TRUE(fx.loop.run(db.load_memories(user.id)).empty());
    EXPECT_FALSE(fx.loop.run(db.find_api_key_by_hash("nope")));

    bool cached = false;
    const auto names = fx.loop.run(prepared_statements(fx.pool(), &cached));
    EXPECT_TRUE(cached);
    EXPECT_THAT(names, ::testing::IsSupersetOf(
                           {"companion_find_user:3", "companion_find_user_by_name:1",
                            "companion_find_conversation:1", "companion_append_message:1",
                            "companion_list_messages:1", "companion_recent_messages:1",
                            "companion_load_memories:1", "companion_find_api_key_by_hash:1"}));
    EXPECT_EQ(fx.stats().opened, 2);  // migrate_up's session, then the one that served all
}


store::Task<void> append_messages(store::Store* db, std::string user_id,
                                  std::vector<std::string> conversations, int writer, int count) {
    for (int i = 0; i < count; ++i) {
        store::Message message;
        message.user_id = user_id;
        message.conversation_id = conversations[static_cast<std::size_t>(writer + i) % 8];
        message.content = std::to_string(writer) + "/" + std::to_string(i);
        const auto appended = co_await db->append_message(message);
        if (!appended) throw std::runtime_error("the conversation was not found");
    }
}

TEST(PostgresPool, ManyIoThreadsShareOnePoolWithoutLosingAWrite) {
    ThrowawayDatabase database;
    TestLoop threads(4);
    auto opts = options(3, 3);
    opts.url = database.url();
    opts.acquire_timeout = 20s;
    auto db = store::make_postgres_store(threads.executor(), opts);
    auto run = [&](auto task) { return threads.run(std::move(task)); };
    run(db->migrate_up());
    const auto user = run(db->create_user({"threads", std::nullopt, "hash", false}));
    std::vector<std::string> conversations;
    for (int i = 0; i < 8; ++i) {
        conversations.push_back(run(db->create_conversation(user.id, "")).id);
    }

    constexpr int kWriters = 64;
    constexpr int kWrites = 20;
    std::vector<std::future<void>> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.push_back(boost::asio::co_spawn(
            threads.io(), append_messages(db.get(), user.id, conversations, w, kWrites),
            boost::asio::use_future));
    }
    for (auto& writer : writers) writer.get();
    std::int64_t total = 0;
    for (const auto& id : conversations) {
        const auto conversation = run(db->find_conversation(user.id, id));
        ASSERT_TRUE(conversation);
        const auto page = run(db->list_messages(user.id, id, 1000, {}));
        EXPECT_EQ(conversation->message_count, static_cast<std::int64_t>(page.rows.size()));
        total += conversation->message_count;
    }
    EXPECT_EQ(total, kWriters * kWrites);
    const auto stats = store::postgres_pool_stats(*db);
    EXPECT_LE(stats.peak_open, 6);
    EXPECT_EQ(stats.busy_timeouts, 0);
}

}  // namespace
}  // namespace companion::testing
