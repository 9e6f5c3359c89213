#include "store/migrations.hpp"

#include <gtest/gtest.h>

namespace companion::store {
namespace {

TEST(Migrations, BothBackendsCarryTheSameVersions) {
    const auto sqlite = migrations_for("sqlite");
    const auto postgres = migrations_for("postgresql");
    ASSERT_FALSE(sqlite.empty());
    ASSERT_EQ(sqlite.size(), postgres.size());
    for (std::size_t i = 0; i < sqlite.size(); ++i) {
        EXPECT_EQ(sqlite[i].version, static_cast<int>(i) + 1);
        EXPECT_EQ(sqlite[i].name, postgres[i].name);
    }
}

TEST(Migrations, SchemaCreatesTheIndexesTheDeploymentGuideNames) {
    for (const auto* backend : {"sqlite", "postgresql"}) {
        std::string all;
        for (const auto& migration : migrations_for(backend)) all += migration.sql;
        for (const auto* index :
             {"ix_memories_user_id", "ix_memories_conversation_id", "ix_conversations_user_id",
              "ix_emotion_history_user_id", "ix_goals_user_id"}) {
            EXPECT_NE(all.find(std::string("CREATE INDEX ") + index + " "), std::string::npos)
                << backend << " " << index;
        }
    }
}

TEST(Migrations, PostgresFirstStepEnablesPgvector) {
    const auto first = migrations_for("postgresql").front();
    EXPECT_NE(first.sql.find("CREATE EXTENSION IF NOT EXISTS vector"), std::string_view::npos);
}

TEST(Migrations, StatusListsPendingSteps) {
    const auto latest = static_cast<int>(migrations_for("sqlite").size());
    const auto fresh = status_at("sqlite", 0);
    EXPECT_EQ(fresh.current_version, 0);
    EXPECT_EQ(fresh.latest_version, latest);
    EXPECT_EQ(fresh.pending.size(), static_cast<std::size_t>(latest));
    EXPECT_FALSE(fresh.up_to_date());
    EXPECT_TRUE(status_at("sqlite", latest).up_to_date());
}

}  // namespace
}  // namespace companion::store
