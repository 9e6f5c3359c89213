// `companion memory status` and `companion memory reembed`, run as the real binary against a
// database seeded with memories of an old embedding model.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "memory/builtin_embedder.hpp"
#include "memory/reembed.hpp"
#include "store/store.hpp"
#include "support/async.hpp"
#include "support/service.hpp"
#include "support/stores.hpp"

namespace companion::testing {
namespace {

class MemoryCommands : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        database_ = make_service_database(GetParam());
        store_ = database_.open();
        loop_.run(store_->migrate_up());
        const auto user =
            loop_.run(store_->create_user(store::NewUser{"reembedded", std::nullopt, "x", false}));
        user_id_ = user.id;
        for (int i = 0; i < 30; ++i) {
            store::Memory memory;
            memory.user_id = user.id;
            memory.content = "old fact " + std::to_string(i);
            memory.embedding = {1.0f, float(i), 2.0f};
            memory.embedding_model = "old-model";
            loop_.run(store_->insert_memory(memory));
        }
    }
    void TearDown() override { store_.reset(); }

    Env env() const {
        Env env = database_.env;
        env["EMBEDDING_DIMENSIONS"] = "128";
        return env;
    }

    memory::EmbeddingInventory inventory() {
        return loop_.run(memory::take_inventory(*store_, "builtin-lexical-v1/128"));
    }

    TestLoop loop_;
    ServiceDatabase database_;
    std::unique_ptr<store::Store> store_;
    std::string user_id_;
};

TEST_P(MemoryCommands, StatusNamesTheModelsAndAsksForReembeddingWhenNeeded) {
    const auto before = run_companion({"memory", "status"}, env());
    EXPECT_EQ(before.exit_code, 3) << before.out << before.err;
    EXPECT_NE(before.out.find("builtin-lexical-v1/128"), std::string::npos) << before.out;
    EXPECT_NE(before.out.find("old-model"), std::string::npos) << before.out;
    EXPECT_NE(before.out.find("30 memories are embedded by other models"), std::string::npos)
        << before.out;
}

TEST_P(MemoryCommands, ReembedConvertsEveryMemoryWithProgressAndThenThereIsNothingLeft) {
    const auto result = run_companion({"memory", "reembed", "--batch-size", "7"}, env());
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_NE(result.out.find("re-embedded 30 memories with builtin-lexical-v1/128"),
              std::string::npos)
        << result.out;
    // Not a terminal: a line per tenth, ending at 100%.
    EXPECT_NE(result.err.find("re-embedded 7/30 (23%)"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("re-embedded 30/30 (100%)"), std::string::npos) << result.err;

    const auto after = inventory();
    EXPECT_EQ(after.current, 30);
    EXPECT_EQ(after.outdated(), 0);
    const memory::BuiltinEmbedder embedder(128);
    for (const auto& memory : loop_.run(store_->load_memories(user_id_))) {
        EXPECT_EQ(memory.embedding, embedder.embed_text(memory.content)) << memory.content;
    }

    const auto status = run_companion({"memory", "status"}, env());
    EXPECT_EQ(status.exit_code, 0) << status.out;
    EXPECT_NE(status.out.find("every memory is embedded by builtin-lexical-v1/128"),
              std::string::npos);
    const auto again = run_companion({"memory", "reembed"}, env());
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_NE(again.out.find("re-embedded 0 memories"), std::string::npos) << again.out;
}

TEST_P(MemoryCommands, AnUnreachableEmbeddingServerFailsAfterKeepingNothingHalfDone) {
    Env unreachable = env();
    unreachable["EMBEDDING_PROVIDER"] = "openai";
    unreachable["EMBEDDING_BASE_URL"] = "http://127.0.0.1:1/v1";
    unreachable["LLM_MAX_RETRIES"] = "0";
    const auto result = run_companion({"memory", "reembed"}, unreachable);
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_NE(result.err.find("run the command again to continue"), std::string::npos)
        << result.err;
    EXPECT_EQ(inventory().others.at("old-model"), 30);
}

INSTANTIATE_TEST_SUITE_P(Backends, MemoryCommands, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace companion::testing
