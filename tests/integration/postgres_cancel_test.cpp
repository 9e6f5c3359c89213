// Cancelling statements whose client deadline passed: one worker thread sends the requests from a
// bounded queue (a full queue drops them), and closing the store joins it.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <postgresql/libpq-fe.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/errors.hpp"
#include "store/postgres/cancel.hpp"
#include "store/postgres/store_impl.hpp"
#include "support/async.hpp"
#include "support/postgres_admin.hpp"

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
using store::pg::Params;
using store::pg::PgPool;
using store::pg::Statement;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kCancelRequestCode = 80877102;

bool read_exact(int fd, void* data, std::size_t size) {
    auto* bytes = static_cast<char*>(data);
    while (size > 0) {
        const auto got = ::read(fd, bytes, size);
        if (got <= 0) return false;
        bytes += got;
        size -= static_cast<std::size_t>(got);
    }
    return true;
}

void put_u32(std::string& out, std::uint32_t value) {
    const std::uint32_t network = htonl(value);
    out.append(reinterpret_cast<const char*>(&network), sizeof network);
}

// A stand-in PostgreSQL server on a loopback port. It lets sessions in without a password, and it
// reads cancel requests but keeps their connections open, so PQcancel waits, until release().
class StubServer {
public:
    StubServer() {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
            ::listen(listener_, 16) != 0) {
            throw std::runtime_error("cannot open a local port");
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~StubServer() {
        ::shutdown(listener_, SHUT_RDWR);  // ends the blocked accept()
        thread_.join();
        ::close(listener_);
        for (const int fd : open_) ::close(fd);
    }
    StubServer(const StubServer&) = delete;
    StubServer& operator=(const StubServer&) = delete;

    std::string conninfo() const {
        return "host=127.0.0.1 port=" + std::to_string(port_) +
               " user=stub dbname=stub sslmode=disable gssencmode=disable connect_timeout=5";
    }
    bool wait_for_cancels(int count, std::chrono::milliseconds within) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, within, [&] { return cancels_ >= count; });
    }
    // Closes the cancel connections held so far, and from now on each one as soon as it is read.
    void release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        for (const int fd : held_) ::close(fd);
        held_.clear();
    }

private:
    void serve() {
        while (true) {
            const int client = ::accept(listener_, nullptr, nullptr);
            if (client < 0) return;
            std::uint32_t header[2];  // length, then protocol version or request code
            std::vector<char> rest;
            bool ok = read_exact(client, header, sizeof header);
            if (ok) {
                rest.resize(ntohl(header[0]) - sizeof header);
                ok = read_exact(client, rest.data(), rest.size());
            }
            if (!ok) {
                ::close(client);
                continue;
            }
            if (ntohl(header[1]) == kCancelRequestCode) {
                std::lock_guard lock(mutex_);
                ++cancels_;
                if (released_) {
                    ::close(client);
                } else {
                    held_.push_back(client);
                }
                changed_.notify_all();
                continue;
            }
            // AuthenticationOk, BackendKeyData, ReadyForQuery (idle).
            std::string reply = "R";
            put_u32(reply, 8);
            put_u32(reply, 0);
            reply += 'K';
            put_u32(reply, 12);
            put_u32(reply, 4242);
            put_u32(reply, 777);
            reply += 'Z';
            put_u32(reply, 5);
            reply += 'I';
            if (::write(client, reply.data(), reply.size()) != static_cast<ssize_t>(reply.size())) {
                ::close(client);
                continue;
            }
            std::lock_guard lock(mutex_);
            open_.push_back(client);
        }
    }

    int listener_ = -1;
    int port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    int cancels_ = 0;
    bool released_ = false;
    std::vector<int> held_;
    std::vector<int> open_;
};

int thread_count() {
    int count = 0;
    const std::filesystem::directory_iterator tasks("/proc/self/task");
    for ([[maybe_unused]] const auto& task : tasks) ++count;
    return count;
}

TEST(PostgresCancel, OneThreadSendsTheRequestsAndAFullQueueDropsTheRest) {
    StubServer server;
    PGconn* session = PQconnectdb(server.conninfo().c_str());
    ASSERT_EQ(PQstatus(session), CONNECTION_OK) << PQerrorMessage(session);
    const int threads_before = thread_count();
    {
        store::pg::CancelWorker worker(2);
        ASSERT_TRUE(worker.submit(PQgetCancel(session)));
        // The worker is now inside PQcancel, waiting for the stub to close the connection.
        ASSERT_TRUE(server.wait_for_cancels(1, 5s));
        EXPECT_TRUE(worker.submit(PQgetCancel(session)));
        EXPECT_TRUE(worker.submit(PQgetCancel(session)));
        EXPECT_FALSE(worker.submit(PQgetCancel(session))) << "two are queued: the queue is full";
        EXPECT_EQ(thread_count(), threads_before + 1);
        server.release();
        ASSERT_TRUE(server.wait_for_cancels(3, 5s));
        worker.stop();
        EXPECT_TRUE(eventually([&] { return thread_count() == threads_before; }, 2s));
        EXPECT_EQ(worker.sent(), 3);
        EXPECT_EQ(worker.dropped(), 1);
        EXPECT_FALSE(worker.submit(PQgetCancel(session))) << "stopped";
        EXPECT_EQ(worker.dropped(), 2);
    }
    PQfinish(session);
}

const Statement kSleep{"", "SELECT pg_sleep($1::double precision)"};

store::Task<int> sleep_past_client_deadline(PgPool& pool) {
    auto lease = co_await pool.acquire();
    co_await lease.script("SET statement_timeout = 0");  // only the client's deadline is left
    const int pid = lease->backend_pid();
    const Params params(30.0);
    bool gave_up = false;
    try {
        co_await lease->execute(kSleep, params, Clock::now() + 300ms);
    } catch (const store::Unavailable&) {
        gave_up = true;
    }
    if (!gave_up) throw std::runtime_error("the statement outlived its deadline");
    co_return pid;
}

TEST(PostgresCancel, ClientDeadlinesShareOneCancelThreadThatClosingTheStoreJoins) {
    ThrowawayDatabase database;
    TestLoop loop;
    store::PgOptions options;
    options.url = database.url();
    options.pool_size = 4;
    options.max_overflow = 0;
    store::PgStore db(loop.executor(), options);
    loop.run(db.migrate_up());
    const int threads_before = thread_count();

    std::vector<std::future<int>> statements;
    for (int i = 0; i < 4; ++i) {
        statements.push_back(loop.start(sleep_past_client_deadline(db.pool())));
    }
    std::string pids;
    for (auto& statement : statements) {
        if (!pids.empty()) pids += ',';
        pids += std::to_string(statement.get());
    }
    // Without the cancels the backends would sleep on for 30 s.
    const char* admin_url = std::getenv("COMPANION_TEST_PG_ADMIN_URL");
    ASSERT_NE(admin_url, nullptr);
    EXPECT_TRUE(eventually(
        [&] {
            return query_column(admin_url, "SELECT count(*) FROM pg_stat_activity WHERE pid IN (" +
                                               pids + ")") == std::vector<std::string>{"0"};
        },
        5s));
    EXPECT_EQ(thread_count(), threads_before + 1) << "one cancel thread for every request";
    db.close();
    EXPECT_TRUE(eventually([&] { return thread_count() == threads_before; }, 2s))
        << "closing the store joins the cancel thread";
}

}  // namespace
}  // namespace companion::testing
