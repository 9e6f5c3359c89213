// Stops PostgreSQL (fast shutdown, as an operator or a failover would) while 16 coroutines write,
// then starts it again: the next requests succeed on fresh connections, and every write that was
// acknowledged is still there afterwards. Stops the shared test server for about a second.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <map>
#include <mutex>
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
#include "store/postgres/pg_store.hpp"
#include "support/async.hpp"
#include "support/service_control.hpp"
#include "support/postgres_admin.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What the writers saw: the contents the store acknowledged, and every failure by kind.
struct Ledger {
    std::mutex mutex;
    std::set<std::string> acknowledged;
    std::map<std::string, int> failures;
    std::set<std::string> failure_samples;  // distinct messages, a few
    std::atomic<int> successes{0};
    std::atomic<bool> stop{false};

    void acknowledge(const std::string& content) {
        std::lock_guard lock(mutex);
        acknowledged.insert(content);
        ++successes;
    }
    void fail(std::exception_ptr error) {
        try {
            std::rethrow_exception(error);
        } catch (const store::Unavailable& unavailable) {
            fail("Unavailable", unavailable.what());
        } catch (const store::Busy& busy) {
            fail("Busy", busy.what());
        } catch (const std::exception& other) {
            fail("other", other.what());
        }
    }
    void fail(const std::string& kind, const std::string& message) {
        std::lock_guard lock(mutex);
        ++failures[kind];
        if (failure_samples.size() < 8) failure_samples.insert(kind + ": " + message);
    }
};

// One write; false when it failed (the failure is in the ledger).
store::Task<bool> append_once(store::Store* db, store::Message message, Ledger* ledger) {
    try {
        const auto appended = co_await db->append_message(message);
        if (appended) ledger->acknowledge(message.content);
        co_return appended.has_value();
    } catch (...) {
        ledger->fail(std::current_exception());
    }
    co_return false;
}

store::Task<void> write_until_stopped(store::Store* db, store::Message message, int writer,
                                      Ledger* ledger) {
    boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor);
    for (int i = 0; !ledger->stop; ++i) {
        message.content = fmt::format("w{}-{}", writer, i);  // g++ 12 warns falsely on "w" + ...
        const bool written = co_await append_once(db, message, ledger);
        if (!written) {
            pause.expires_after(50ms);
            co_await pause.async_wait(boost::asio::use_awaitable);
        }
    }
}


double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(PostgresRestart, WritesSurviveAServerStopAndTheNextRequestsSucceedAfterStart) {
    ThrowawayDatabase database;
    ServiceControl server("COMPANION_TEST_PG_CTL");
    TestLoop threads(2);
    auto run = [&](auto task) { return threads.run(std::move(task)); };
    store::PgOptions options;
    options.url = database.url();
    options.pool_size = 8;
    options.max_overflow = 8;
    options.connect_timeout = 2s;
    auto db = store::make_postgres_store(threads.executor(), options);
    run(db->migrate_up());
    const auto user = run(db->create_user({"restart", std::nullopt, "hash", false}));
    constexpr int kWriters = 16;
    std::vector<std::string> conversations;
    for (int i = 0; i < kWriters; ++i) {
        conversations.push_back(run(db->create_conversation(user.id, fmt::format("w{}", i))).id);
    }

    Ledger ledger;
    std::vector<std::future<void>> writers;
    // However the test ends, the writers finish before the store goes away.
    struct StopWriters {
        Ledger& ledger;
        std::vector<std::future<void>>& writers;
        ~StopWriters() {
            ledger.stop = true;
            for (auto& writer : writers) {
                if (writer.valid()) writer.wait_for(30s);
            }
        }
    } stop_writers{ledger, writers};
    for (int w = 0; w < kWriters; ++w) {
        store::Message message;
        message.user_id = user.id;
        message.conversation_id = conversations[static_cast<std::size_t>(w)];
        writers.push_back(boost::asio::co_spawn(
            threads.io(), write_until_stopped(db.get(), message, w, &ledger),
            boost::asio::use_future));
    }
    std::this_thread::sleep_for(1s);
    ASSERT_GT(ledger.successes.load(), 0);

    const auto stopping = Clock::now();
    server.stop();
    const double stop_seconds = seconds_since(stopping);
    const int acknowledged_before_stop = ledger.successes.load();
    std::this_thread::sleep_for(1s);
    const int acknowledged_while_down = ledger.successes.load() - acknowledged_before_stop;

    const auto starting = Clock::now();
    server.start();
    const double start_seconds = seconds_since(starting);
    const int successes_at_start = ledger.successes.load();
    const auto after_start = Clock::now();
    // The very next request after the restart succeeds (dead pooled connections are replaced).
    const auto found = run(db->find_conversation(user.id, conversations.front()));
    const double first_request_seconds = seconds_since(after_start);
    EXPECT_TRUE(found.has_value());
    while (ledger.successes.load() == successes_at_start && seconds_since(after_start) < 10) {
        std::this_thread::sleep_for(5ms);
    }
    const double first_write_seconds = seconds_since(after_start);
    std::this_thread::sleep_for(1s);
    ledger.stop = true;
    for (auto& writer : writers) writer.get();

    std::set<std::string> stored;
    for (const auto& id : conversations) {
        std::optional<std::string> cursor;
        std::size_t rows = 0;
        do {
            const auto page = run(db->list_messages(user.id, id, 1000, cursor));
            for (const auto& message : page.rows) stored.insert(message.content);
            rows += page.rows.size();
            cursor = page.next_cursor;
        } while (cursor);
        const auto conversation = run(db->find_conversation(user.id, id));
        ASSERT_TRUE(conversation);
        EXPECT_EQ(conversation->message_count, static_cast<std::int64_t>(rows))
            << "a message and its conversation's counter commit together";
    }
    std::size_t lost = 0;
    for (const auto& content : ledger.acknowledged) lost += stored.count(content) == 0 ? 1 : 0;
    EXPECT_EQ(lost, 0u) << "acknowledged writes missing after the restart";
    EXPECT_EQ(acknowledged_while_down, 0);
    EXPECT_LT(first_request_seconds, 2.0);
    EXPECT_EQ(ledger.failures.count("other"), 0u);
    EXPECT_EQ(ledger.failures.count("Busy"), 0u);
    EXPECT_GT(ledger.successes.load(), successes_at_start);

    const auto stats = store::postgres_pool_stats(*db);
    std::printf("restart: stop took %.2f s, start took %.2f s; first request after start %.3f s, "
                "first acknowledged write after start %.3f s\n",
                stop_seconds, start_seconds, first_request_seconds, first_write_seconds);
    std::printf("restart: acknowledged %zu writes (%d before the stop), %zu rows stored, %zu lost; "
                "pool opened %lld connections, discarded %lld\n",
                ledger.acknowledged.size(), acknowledged_before_stop, stored.size(), lost,
                static_cast<long long>(stats.opened), static_cast<long long>(stats.discarded));
    for (const auto& [kind, count] : ledger.failures) {
        std::printf("restart: %d failures of kind %s\n", count, kind.c_str());
    }
    for (const auto& sample : ledger.failure_samples) {
        std::printf("restart: e.g. %s\n", sample.c_str());
    }
}

}  // namespace
}  // namespace companion::testing
