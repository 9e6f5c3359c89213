// Connection failures against the real server, each reported as one line an operator can act on
// (store::Unavailable), never with the password in it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "store/errors.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/store_impl.hpp"
#include "support/async.hpp"
#include "support/postgres_admin.hpp"
#include "util/uuid.hpp"

namespace {

// Names in this domain take 2 s to fail, as with a DNS server that does not answer. Every other
// lookup of the test binary goes to the C library unchanged.
constexpr std::string_view kSlowDnsDomain = ".slow-dns.companion-test.invalid";

}  // namespace

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                           addrinfo** result) {
    using Real = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
    static const Real real = [] {
        Real function = nullptr;
        void* symbol = ::dlsym(RTLD_NEXT, "getaddrinfo");
        std::memcpy(&function, &symbol, sizeof function);
        return function;
    }();
    if (node != nullptr && std::string_view(node).ends_with(kSlowDnsDomain)) {
        std::this_thread::sleep_for(std::chrono::seconds(2));
        return EAI_AGAIN;
    }
    return real(node, service, hints, result);
}

namespace companion::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The parts of postgresql://user:password@host:port/database that the tests vary.
struct UrlParts {
    std::string user, password, host, port, database;

    static UrlParts parse(const std::string& url) {
        const auto scheme = url.find("://") + 3;
        const auto at = url.find('@', scheme);
        const auto colon = url.find(':', scheme);
        const auto host_end = url.find(':', at);
        const auto slash = url.find('/', at);
        UrlParts parts;
        parts.user = url.substr(scheme, colon - scheme);
        parts.password = url.substr(colon + 1, at - colon - 1);
        parts.host = url.substr(at + 1, host_end - at - 1);
        parts.port = url.substr(host_end + 1, slash - host_end - 1);
        parts.database = url.substr(slash + 1, url.find('?', slash) - slash - 1);
        return parts;
    }
    std::string url() const {
        return "postgresql://" + user + ":" + password + "@" + host + ":" + port + "/" + database;
    }
};

// A loopback TCP socket: listening (accepted by the kernel, never answered) or closed again.
class LocalPort {
public:
    explicit LocalPort(bool listening) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
            (listening && ::listen(fd_, 16) != 0)) {
            throw std::runtime_error("cannot open a local port");
        }
        port_ = ntohs(address.sin_port);
        if (!listening) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~LocalPort() {
        if (fd_ >= 0) ::close(fd_);
    }
    LocalPort(const LocalPort&) = delete;
    LocalPort& operator=(const LocalPort&) = delete;
    std::string port() const { return std::to_string(port_); }

private:
    int fd_ = -1;
    int port_ = 0;
};

// The message of the Unavailable that the first statement of a store on `url` throws.
std::string first_failure(const std::string& url, std::chrono::milliseconds connect_timeout = 5s) {
    TestLoop loop;
    store::PgOptions options;
    options.url = url;
    options.connect_timeout = connect_timeout;
    auto db = store::make_postgres_store(loop.executor(), options);
    std::string message;
    const auto started = Clock::now();
    try {
        loop.run(db->find_user(util::new_uuid_v7()));
    } catch (const store::Unavailable& error) {
        message = error.what();
    }
    EXPECT_LT(Clock::now() - started, connect_timeout + 1s);
    if (message.empty()) throw std::runtime_error("the store connected to " + url);
    EXPECT_FALSE(loop.run(db->ping()));
    return message;
}

TEST(PostgresConnect, WrongPasswordSaysSoWithoutThePassword) {
    auto parts = UrlParts::parse(test_postgres_url());
    parts.password = "Wrong-Secret-Xy7";
    const auto message = first_failure(parts.url());
    EXPECT_EQ(message, "cannot connect to PostgreSQL at " + parts.host + ":" + parts.port +
                           ": password authentication failed for user \"" + parts.user + "\"");
    EXPECT_THAT(message, ::testing::Not(::testing::HasSubstr("Wrong-Secret-Xy7")));
}

TEST(PostgresConnect, MissingDatabaseSaysWhichOne) {
    auto parts = UrlParts::parse(test_postgres_url());
    parts.database = "companion_no_such_database";
    const auto message = first_failure(parts.url());
    EXPECT_EQ(message, "cannot connect to PostgreSQL at " + parts.host + ":" + parts.port +
                           ": database \"companion_no_such_database\" does not exist");
    EXPECT_THAT(message, ::testing::Not(::testing::HasSubstr(parts.password)));
}

TEST(PostgresConnect, UnreachablePortNamesHostPortAndTheSystemError) {
    auto parts = UrlParts::parse(test_postgres_url());
    const LocalPort closed(false);
    parts.port = closed.port();
    const auto message = first_failure(parts.url(), 1s);
    EXPECT_EQ(message, "cannot connect to PostgreSQL at " + parts.host + ":" + parts.port +
                           ": Connection refused");
}

TEST(PostgresConnect, ServerThatNeverAnswersGivesUpAfterTheConnectTimeout) {
    auto parts = UrlParts::parse(test_postgres_url());
    const LocalPort silent(true);
    parts.port = silent.port();
    const auto message = first_failure(parts.url(), 300ms);
    EXPECT_EQ(message, "cannot connect to PostgreSQL at " + parts.host + ":" + parts.port +
                           ": no answer within 300 ms");
}

TEST(PostgresConnect, HostNamesAreResolvedAndEveryAddressIsTried) {
    // localhost may resolve to ::1 first, where the test server does not listen.
    ThrowawayDatabase database;
    auto parts = UrlParts::parse(database.url());
    parts.host = "localhost";
    TestLoop loop;
    store::PgOptions options;
    options.url = parts.url();
    auto db = store::make_postgres_store(loop.executor(), options);
    EXPECT_TRUE(loop.run(db->ping()));
    EXPECT_FALSE(loop.run(db->migrate_up()).empty());
    EXPECT_EQ(loop.run(db->find_user(util::new_uuid_v7())), std::nullopt);
}

TEST(PostgresConnect, UnresolvableHostNameSaysSoWithinTheConnectTimeout) {
    auto parts = UrlParts::parse(test_postgres_url());
    parts.host = "no-such-host.invalid";  // reserved: never resolves
    const auto message = first_failure(parts.url(), 2s);
    EXPECT_THAT(message, ::testing::StartsWith("cannot connect to PostgreSQL"));
    EXPECT_THAT(message, ::testing::HasSubstr("could not resolve"));
    EXPECT_THAT(message, ::testing::HasSubstr("no-such-host.invalid"));
    EXPECT_THAT(message, ::testing::Not(::testing::HasSubstr(parts.password)));
}

TEST(PostgresConnect, SlowHostNameLookupGivesUpAtTheConnectTimeout) {
    auto parts = UrlParts::parse(test_postgres_url());
    parts.host = "db" + std::string(kSlowDnsDomain);
    TestLoop loop;
    store::PgOptions options;
    options.url = parts.url();
    options.connect_timeout = 300ms;
    auto db = store::make_postgres_store(loop.executor(), options);
    const auto started = Clock::now();
    try {
        loop.run(db->find_user(util::new_uuid_v7()));
        FAIL() << "expected store::Unavailable";
    } catch (const store::Unavailable& error) {
        EXPECT_EQ(std::string(error.what()), "cannot connect to PostgreSQL: could not resolve " +
                                                 parts.host + " within 300 ms");
    }
    EXPECT_LT(Clock::now() - started, 1s);
    // Queued behind the first lookup on Asio's one resolver thread, the next is bounded too.
    EXPECT_FALSE(loop.run(db->ping()));
    EXPECT_LT(Clock::now() - started, 1500ms);
}

TEST(PostgresConnect, UrlLibpqCannotReadIsRejectedUpFront) {
    TestLoop loop;
    store::PgOptions options;
    options.url = "postgresql://companion:Secret-Xy7@127.0.0.1:5432/db?no_such_option=1";
    try {
        store::make_postgres_store(loop.executor(), options);
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& error) {
        EXPECT_THAT(error.what(), ::testing::StartsWith("invalid PostgreSQL URL: "));
        EXPECT_THAT(error.what(), ::testing::Not(::testing::HasSubstr("Secret-Xy7")));
    }
}

store::Task<std::string> show_settings(store::pg::PgPool& pool) {
    auto lease = co_await pool.acquire();
    const store::pg::Statement show{
        "", "SELECT current_setting('statement_timeout') || ' ' || current_setting('work_mem')"};
    const store::pg::Params none;
    const auto result = co_await lease.query(show, none);
    co_return std::string(result.text(0, 0));
}

TEST(PostgresConnect, StatementTimeoutIsSetOnEveryConnectionNextToTheUrlsOwnOptions) {
    TestLoop loop;
    ThrowawayDatabase database;
    store::PgOptions options;
    options.url = database.url() + "?options=-c%20work_mem%3D7MB";
    options.statement_timeout = 1234ms;
    store::PgStore db(loop.executor(), options);
    EXPECT_EQ(loop.run(show_settings(db.pool())), "1234ms 7MB");
}

}  // namespace
}  // namespace companion::testing
