// The Redis short-term memory against the real Redis 7 of scripts/services.sh: the window read and
// the new message's append in one transaction, the valence the window carries, and entries it did
// not write read as a miss.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/redis_client.hpp"
#include "cache/short_term_memory.hpp"
#include "support/async.hpp"
#include "support/stores.hpp"
#include "util/uuid.hpp"

namespace companion::cache {
namespace {

store::Message message(const std::string& conversation, const std::string& id,
                       std::optional<double> valence = std::nullopt) {
    store::Message out;
    out.id = id;
    out.conversation_id = conversation;
    out.user_id = "u1";
    out.content = "message " + id;
    out.created_at = store::Timestamp(std::chrono::microseconds(1'700'000'000'000'000));
    out.valence = valence;
    return out;
}

std::vector<std::string> ids(const std::optional<std::vector<store::Message>>& window) {
    std::vector<std::string> out;
    if (window) {
        for (const auto& m : *window) out.push_back(m.id);
    }
    return out;
}

class RedisShortTermMemoryTest : public ::testing::Test {
protected:
    void SetUp() override {
        redis_ = std::make_unique<RedisClient>(loop_.executor(), testing::test_redis_url());
        memory_ = make_redis_short_term_memory(*redis_, 3);
    }

    void TearDown() override {
        if (redis_) loop_.run(redis_->command("DEL", "companion:stm:" + conversation_));
    }

    std::vector<store::Message> numbered(int from, int to) {
        std::vector<store::Message> out;
        for (int i = from; i <= to; ++i) out.push_back(message(conversation_, std::to_string(i)));
        return out;
    }

    testing::TestLoop loop_;
    std::unique_ptr<RedisClient> redis_;
    std::unique_ptr<ShortTermMemory> memory_;
    const std::string conversation_ = util::new_uuid_v7();
};

TEST_F(RedisShortTermMemoryTest, ReadingWithTheNewMessageGivesTheWindowBeforeItAndKeepsTheLastSize) {
    loop_.run(memory_->fill(conversation_, numbered(1, 3)));
    const auto before = loop_.run(memory_->window_then_append(conversation_, message(conversation_, "4")));
    EXPECT_EQ(ids(before), (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_EQ(ids(loop_.run(memory_->window(conversation_))),
              (std::vector<std::string>{"2", "3", "4"}));
    EXPECT_GT(loop_.run(redis_->command("TTL", "companion:stm:" + conversation_)).as_integer(), 0);
}

TEST_F(RedisShortTermMemoryTest, ReadingWithTheNewMessageOnAMissHoldsNothing) {
    EXPECT_FALSE(loop_.run(memory_->window_then_append(conversation_, message(conversation_, "1"))));
    EXPECT_FALSE(loop_.run(memory_->window(conversation_)));
    EXPECT_EQ(loop_.run(redis_->command("EXISTS", "companion:stm:" + conversation_)).as_integer(), 0);
}

TEST_F(RedisShortTermMemoryTest, AUserMessagesValenceComesBackWithTheWindow) {
    std::vector<store::Message> messages{message(conversation_, "1", -0.625),
                                         message(conversation_, "2")};
    loop_.run(memory_->fill(conversation_, messages));
    const auto window = loop_.run(memory_->window(conversation_));
    ASSERT_TRUE(window);
    ASSERT_EQ(window->size(), 2u);
    ASSERT_TRUE((*window)[0].valence);
    EXPECT_DOUBLE_EQ(*(*window)[0].valence, -0.625);
    EXPECT_FALSE((*window)[1].valence);
    EXPECT_EQ((*window)[0].content, "message 1");
}

TEST_F(RedisShortTermMemoryTest, AnEntryItDidNotWriteMakesTheWindowAMiss) {
    loop_.run(memory_->fill(conversation_, numbered(1, 2)));
    loop_.run(redis_->command("RPUSH", "companion:stm:" + conversation_, "not json"));
    EXPECT_FALSE(loop_.run(memory_->window_then_append(conversation_, message(conversation_, "3"))));

    // A valence that is not a number is not this code's either.
    loop_.run(memory_->fill(conversation_, numbered(1, 1)));
    auto entry = loop_.run(redis_->command("LINDEX", "companion:stm:" + conversation_, 0)).as_string();
    entry.insert(entry.size() - 1, ",\"valence\":\"high\"");
    loop_.run(redis_->command("RPUSH", "companion:stm:" + conversation_, entry));
    EXPECT_FALSE(loop_.run(memory_->window(conversation_)));
}

}  // namespace
}  // namespace companion::cache
