#include "config/production_checks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace companion::config {
namespace {

using Verdict = CheckResult::Verdict;

const std::string strong_secret = "q8J2v+Xk4Lw9ZpR7tY1uN3mB6cE0aF5hG8iK2lO4sD7=";
const std::string strong_db_password = "Zx81vQ-4nL0pR7tY2u";

Settings secure_settings() {
    Settings settings;
    settings.environment = Environment::production;
    settings.jwt_secret_key = strong_secret;
    settings.require_authentication = true;
    settings.cors_origins = {"https://app.example.com"};
    settings.postgres_url = "postgresql://app:" + strong_db_password + "@db:5432/app";
    return settings;
}

CheckResult find(const std::vector<CheckResult>& results, const std::string& name) {
    for (const CheckResult& result : results) {
        if (result.name == name) return result;
    }
    ADD_FAILURE() << "no check named " << name;
    return {};
}

CheckResult check(const Settings& settings, const std::string& name) {
    return find(run_production_checks(settings), name);
}

TEST(ProductionChecks, SecureConfigurationPassesEveryCheckUnderStableNames) {
    const auto results = run_production_checks(secure_settings());
    std::vector<std::string> names;
    for (const CheckResult& result : results) {
        names.push_back(result.name);
        EXPECT_EQ(result.verdict, Verdict::pass) << result.name << ": " << result.message;
        EXPECT_FALSE(result.message.empty()) << result.name;
    }
    EXPECT_EQ(names, (std::vector<std::string>{"jwt_secret_not_default", "jwt_secret_length",
                                               "authentication_required", "cors_origins_restricted",
                                               "database_password_strength"}));
    EXPECT_TRUE(passes(results));
}

TEST(ProductionChecks, DefaultJwtSecretFailsWithTheDocumentedMessage) {
    Settings settings = secure_settings();
    settings.jwt_secret_key = Settings{}.jwt_secret_key;
    const CheckResult result = check(settings, "jwt_secret_not_default");
    EXPECT_EQ(result.verdict, Verdict::fail);
    EXPECT_EQ(result.message, "JWT_SECRET_KEY is using default value!");
    EXPECT_FALSE(passes(run_production_checks(settings)));
}

TEST(ProductionChecks, JwtSecretShorterThan32CharactersFails) {
    Settings settings = secure_settings();
    settings.jwt_secret_key = std::string(31, 'x');
    const CheckResult result = check(settings, "jwt_secret_length");
    EXPECT_EQ(result.verdict, Verdict::fail);
    EXPECT_NE(result.message.find("shorter than 32 characters"), std::string::npos);
    EXPECT_NE(result.message.find("32+ random characters"), std::string::npos);
    EXPECT_NE(result.message.find("openssl rand -base64 48"), std::string::npos);
    EXPECT_EQ(result.message.find(settings.jwt_secret_key), std::string::npos);
    EXPECT_EQ(check(settings, "jwt_secret_not_default").verdict, Verdict::pass);
}

TEST(ProductionChecks, JwtSecretOfExactly32CharactersPasses) {
    Settings settings = secure_settings();
    settings.jwt_secret_key = std::string(32, 'x');
    EXPECT_EQ(check(settings, "jwt_secret_length").verdict, Verdict::pass);
}

TEST(ProductionChecks, DisabledAuthenticationFails) {
    Settings settings = secure_settings();
    settings.require_authentication = false;
    const CheckResult result = check(settings, "authentication_required");
    EXPECT_EQ(result.verdict, Verdict::fail);
    EXPECT_NE(result.message.find("REQUIRE_AUTHENTICATION is false"), std::string::npos);
    EXPECT_FALSE(passes(run_production_checks(settings)));
}

TEST(ProductionChecks, WildcardAndEmptyCorsOriginsFailWithDistinctMessages) {
    Settings wildcard = secure_settings();
    wildcard.cors_origins = {"https://app.example.com", "*"};
    Settings empty = secure_settings();
    empty.cors_origins.clear();
    const CheckResult wildcard_result = check(wildcard, "cors_origins_restricted");
    const CheckResult empty_result = check(empty, "cors_origins_restricted");
    EXPECT_EQ(wildcard_result.verdict, Verdict::fail);
    EXPECT_EQ(empty_result.verdict, Verdict::fail);
    EXPECT_NE(wildcard_result.message.find("CORS_ORIGINS contains *"), std::string::npos);
    EXPECT_NE(empty_result.message.find("CORS_ORIGINS is empty"), std::string::npos);
    EXPECT_NE(wildcard_result.message, empty_result.message);
}

TEST(ProductionChecks, EmbeddedSqliteStorePassesTheDatabasePasswordCheck) {
    Settings settings = secure_settings();
    settings.postgres_url.clear();
    EXPECT_EQ(check(settings, "database_password_strength").verdict, Verdict::pass);
}

TEST(ProductionChecks, MissingDatabasePasswordWarnsWithoutFailing) {
    Settings settings = secure_settings();
    for (const char* url :
         {"postgresql://app@db/app", "postgresql://app:@db/app", "postgresql://db/app"}) {
        SCOPED_TRACE(url);
        settings.postgres_url = url;
        const CheckResult result = check(settings, "database_password_strength");
        EXPECT_EQ(result.verdict, Verdict::warn);
        EXPECT_NE(result.message.find("no password"), std::string::npos);
        EXPECT_TRUE(passes(run_production_checks(settings)));
    }
}

TEST(ProductionChecks, WellKnownDatabasePasswordsWarnWhateverTheirCase) {
    Settings settings = secure_settings();
    for (const char* password : {"postgres", "Password", "changeme", "ADMIN", "root", "secret",
                                 "123456", "ai_service", "postgrespassword"}) {
        SCOPED_TRACE(password);
        settings.postgres_url = std::string("postgresql://app:") + password + "@db/app";
        const CheckResult result = check(settings, "database_password_strength");
        EXPECT_EQ(result.verdict, Verdict::warn);
        EXPECT_NE(result.message.find("well-known default password"), std::string::npos);
        EXPECT_EQ(result.message.find(password), std::string::npos);
    }
}

TEST(ProductionChecks, ShortDatabasePasswordWarns) {
    Settings settings = secure_settings();
    settings.postgres_url = "postgresql://app:Zx81vQ-4nL0pR7t@db/app";  // 15 characters
    const CheckResult result = check(settings, "database_password_strength");
    EXPECT_EQ(result.verdict, Verdict::warn);
    EXPECT_NE(result.message.find("shorter than 16 characters"), std::string::npos);
    EXPECT_TRUE(passes(run_production_checks(settings)));
}

TEST(ProductionChecks, DatabasePasswordIsPercentDecodedAndMayComeFromTheQuery) {
    Settings settings = secure_settings();
    settings.postgres_url = "postgresql://app:%41%42%43%44%45%46%47%48@db/app";  // 8 characters
    EXPECT_EQ(check(settings, "database_password_strength").verdict, Verdict::warn);
    settings.postgres_url = "postgresql://db/app?user=app&password=" + strong_db_password;
    EXPECT_EQ(check(settings, "database_password_strength").verdict, Verdict::pass);
}

TEST(ProductionChecks, DefaultSettingsFailWhateverTheEnvironment) {
    for (const Environment environment : {Environment::development, Environment::production}) {
        Settings settings;
        settings.environment = environment;
        const auto results = run_production_checks(settings);
        EXPECT_FALSE(passes(results));
        EXPECT_EQ(find(results, "jwt_secret_not_default").verdict, Verdict::fail);
        EXPECT_EQ(find(results, "jwt_secret_length").verdict, Verdict::fail);
        EXPECT_EQ(find(results, "authentication_required").verdict, Verdict::pass);
    }
}

TEST(ProductionChecks, MessagesNeverContainSecrets) {
    Settings settings = secure_settings();
    settings.jwt_secret_key = "short-secret-value";
    settings.postgres_url = "postgresql://app:tiny-pass@db/app";
    for (const CheckResult& result : run_production_checks(settings)) {
        EXPECT_EQ(result.message.find("short-secret-value"), std::string::npos) << result.name;
        EXPECT_EQ(result.message.find("tiny-pass"), std::string::npos) << result.name;
    }
}

TEST(Passes, IsTrueExactlyWhenNoCheckFailed) {
    EXPECT_TRUE(passes({}));
    EXPECT_TRUE(passes({{"a", Verdict::pass, "ok"}, {"b", Verdict::warn, "hm"}}));
    EXPECT_FALSE(passes({{"a", Verdict::pass, "ok"}, {"b", Verdict::fail, "no"}}));
}

}  // namespace
}  // namespace companion::config
