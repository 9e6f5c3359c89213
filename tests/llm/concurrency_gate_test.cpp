#include "llm/concurrency_gate.hpp"

#include <gtest/gtest.h>

#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace companion::llm::detail {
namespace {

namespace asio = boost::asio;
using Outcome = ConcurrencyGate::Outcome;
using Clock = ConcurrencyGate::Clock;
using std::chrono::milliseconds;

asio::awaitable<void> acquire_into(ConcurrencyGate& gate, Clock::time_point deadline,
                                   std::vector<std::pair<int, Outcome>>& log, int id) {
    const auto outcome = co_await gate.acquire(deadline);
    log.emplace_back(id, outcome);
}

TEST(ConcurrencyGate, AdmitsUpToTheCapQueuesTheNextAndRefusesBeyondTheQueue) {
    asio::io_context io;
    ConcurrencyGate gate(2, 1);
    std::vector<std::pair<int, Outcome>> log;
    const auto later = Clock::now() + std::chrono::seconds(30);
    for (int id = 0; id < 4; ++id)
        asio::co_spawn(io, acquire_into(gate, later, log, id), asio::detached);
    io.poll();
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(log[0], std::make_pair(0, Outcome::admitted));
    EXPECT_EQ(log[1], std::make_pair(1, Outcome::admitted));
    EXPECT_EQ(log[2], std::make_pair(3, Outcome::queue_full));
    EXPECT_EQ(gate.active(), 2u);
    EXPECT_EQ(gate.waiting(), 1u);

    gate.release();  // the slot passes to call 2
    io.poll();
    ASSERT_EQ(log.size(), 4u);
    EXPECT_EQ(log[3], std::make_pair(2, Outcome::admitted));
    EXPECT_EQ(gate.active(), 2u);
    EXPECT_EQ(gate.waiting(), 0u);
    gate.release();
    gate.release();
    EXPECT_EQ(gate.active(), 0u);
}

TEST(ConcurrencyGate, WaitersAreServedInArrivalOrder) {
    asio::io_context io;
    ConcurrencyGate gate(1, 10);
    std::vector<std::pair<int, Outcome>> log;
    const auto later = Clock::now() + std::chrono::seconds(30);
    for (int id = 0; id < 5; ++id)
        asio::co_spawn(io, acquire_into(gate, later, log, id), asio::detached);
    io.poll();
    for (int i = 0; i < 4; ++i) {
        gate.release();
        io.poll();
    }
    ASSERT_EQ(log.size(), 5u);
    for (int id = 0; id < 5; ++id) EXPECT_EQ(log[id], std::make_pair(id, Outcome::admitted));
}

TEST(ConcurrencyGate, AWaiterGivesUpAtItsDeadlineAndLeavesTheQueue) {
    asio::io_context io;
    ConcurrencyGate gate(1, 10);
    std::vector<std::pair<int, Outcome>> log;
    asio::co_spawn(io, acquire_into(gate, Clock::now() + std::chrono::seconds(30), log, 0),
                   asio::detached);
    asio::co_spawn(io, acquire_into(gate, Clock::now() + milliseconds(50), log, 1), asio::detached);
    const auto started = Clock::now();
    io.run_for(milliseconds(500));
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[1], std::make_pair(1, Outcome::timed_out));
    EXPECT_GE(Clock::now() - started, milliseconds(50));
    EXPECT_EQ(gate.waiting(), 0u);
    gate.release();
    EXPECT_EQ(gate.active(), 0u);
}

TEST(ConcurrencyGate, ZeroQueueRefusesAsSoonAsTheCapIsReached) {
    asio::io_context io;
    ConcurrencyGate gate(1, 0);
    std::vector<std::pair<int, Outcome>> log;
    const auto later = Clock::now() + std::chrono::seconds(30);
    for (int id = 0; id < 2; ++id)
        asio::co_spawn(io, acquire_into(gate, later, log, id), asio::detached);
    io.poll();
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[1].second, Outcome::queue_full);
}

}  // namespace
}  // namespace companion::llm::detail
