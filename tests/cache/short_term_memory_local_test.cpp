#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "cache/short_term_memory.hpp"

namespace companion::cache {
namespace {

namespace asio = boost::asio;

template <class T>
T run(asio::awaitable<T> task) {
    asio::io_context io;
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.run();
    return future.get();
}

std::vector<store::Message> numbered(int from, int to, std::size_t bytes = 10) {
    std::vector<store::Message> out;
    for (int i = from; i <= to; ++i) {
        store::Message m;
        m.id = std::to_string(i);
        m.content = std::string(bytes, 'x');
        out.push_back(m);
    }
    return out;
}

std::vector<std::string> ids(const std::optional<std::vector<store::Message>>& window) {
    std::vector<std::string> out;
    if (window) {
        for (const auto& m : *window) out.push_back(m.id);
    }
    return out;
}

TEST(LocalShortTermMemory, HoldsTheLastMessagesOfEachConversationOldestFirst) {
    auto memory = make_local_short_term_memory(3, 1 << 20);
    EXPECT_FALSE(run(memory->window("c1")));
    run(memory->fill("c1", numbered(1, 5)));
    EXPECT_EQ(ids(run(memory->window("c1"))), (std::vector<std::string>{"3", "4", "5"}));
    run(memory->append("c1", numbered(6, 6)));
    EXPECT_EQ(ids(run(memory->window("c1"))), (std::vector<std::string>{"4", "5", "6"}));
    EXPECT_FALSE(run(memory->window("c2")));
}

TEST(LocalShortTermMemory, ReadingWithTheNewMessageGivesTheWindowBeforeItAndAppendsIt) {
    auto memory = make_local_short_term_memory(3, 1 << 20);
    EXPECT_FALSE(run(memory->window_then_append("c1", numbered(1, 1).front())));
    EXPECT_FALSE(run(memory->window("c1")));
    run(memory->fill("c1", numbered(1, 3)));
    EXPECT_EQ(ids(run(memory->window_then_append("c1", numbered(4, 4).front()))),
              (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_EQ(ids(run(memory->window("c1"))), (std::vector<std::string>{"2", "3", "4"}));
}

TEST(LocalShortTermMemory, AppendingToAWindowItDoesNotHoldKeepsItAMiss) {
    auto memory = make_local_short_term_memory(3, 1 << 20);
    run(memory->append("c1", numbered(1, 1)));
    EXPECT_FALSE(run(memory->window("c1")));
}

TEST(LocalShortTermMemory, ForgetsAConversation) {
    auto memory = make_local_short_term_memory(3, 1 << 20);
    run(memory->fill("c1", numbered(1, 2)));
    run(memory->forget("c1"));
    EXPECT_FALSE(run(memory->window("c1")));
}

TEST(LocalShortTermMemory, DropsTheLeastRecentlyUsedConversationsBeyondItsBytes) {
    // Each window of 2 messages of 1000 bytes costs a little over 2000 bytes.
    auto memory = make_local_short_term_memory(2, 5000);
    run(memory->fill("a", numbered(1, 2, 1000)));
    run(memory->fill("b", numbered(1, 2, 1000)));
    EXPECT_TRUE(run(memory->window("a")));  // a is now the most recently used
    run(memory->fill("c", numbered(1, 2, 1000)));
    EXPECT_TRUE(run(memory->window("a")));
    EXPECT_FALSE(run(memory->window("b")));
    EXPECT_TRUE(run(memory->window("c")));
}

TEST(NoShortTermMemory, NeverHoldsAWindow) {
    auto memory = make_no_short_term_memory(10);
    run(memory->fill("c1", numbered(1, 2)));
    EXPECT_FALSE(run(memory->window("c1")));
    EXPECT_EQ(memory->size(), 10u);
}

}  // namespace
}  // namespace companion::cache
