#include "llm/connection_pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace companion::llm::detail {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A plain connection to a loopback listener: alive for looks_alive() while the peer is open.
class ConnectionPoolTest : public ::testing::Test {
protected:
    std::unique_ptr<Connection> connected() {
        auto connection = std::make_unique<Connection>(io_.get_executor(), nullptr);
        connection->socket().connect(acceptor_.local_endpoint());
        peers_.push_back(acceptor_.accept());
        return connection;
    }

    asio::io_context io_;
    tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    std::vector<tcp::socket> peers_;
};

TEST_F(ConnectionPoolTest, AConnectionWaitingInThePoolKeepsNoReadBuffer) {
    ConnectionPool pool(4, std::chrono::seconds(30));
    auto connection = connected();
    connection->buffer.prepare(16 * 1024);  // a response was read through it
    ASSERT_GE(connection->buffer.capacity(), 16u * 1024);
    const auto now = Clock::now();
    pool.give_back(std::move(connection), now);
    auto again = pool.take(now);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->buffer.capacity(), 0u);
    EXPECT_TRUE(again->reused);
}

TEST_F(ConnectionPoolTest, KeepsAtMostItsIdleLimitMostRecentlyUsedFirst) {
    ConnectionPool pool(2, std::chrono::seconds(30));
    const auto now = Clock::now();
    auto first = connected();
    auto* second_address = connected().release();
    auto* third_address = connected().release();
    pool.give_back(std::move(first), now);
    pool.give_back(std::unique_ptr<Connection>(second_address), now);
    pool.give_back(std::unique_ptr<Connection>(third_address), now);
    EXPECT_EQ(pool.idle(), 2u);  // the oldest was dropped
    EXPECT_EQ(pool.take(now).get(), third_address);
    EXPECT_EQ(pool.take(now).get(), second_address);
    EXPECT_EQ(pool.take(now), nullptr);
}

TEST_F(ConnectionPoolTest, AConnectionIdleLongerThanTheTimeoutIsNotReused) {
    ConnectionPool pool(4, std::chrono::milliseconds(100));
    const auto then = Clock::now();
    pool.give_back(connected(), then);
    EXPECT_EQ(pool.take(then + std::chrono::milliseconds(101)), nullptr);
    EXPECT_EQ(pool.idle(), 0u);
}

TEST_F(ConnectionPoolTest, AConnectionTheServerClosedIsNotReused) {
    ConnectionPool pool(4, std::chrono::seconds(30));
    const auto now = Clock::now();
    pool.give_back(connected(), now);
    peers_.back().close();
    EXPECT_EQ(pool.take(now), nullptr);
}

}  // namespace
}  // namespace companion::llm::detail
