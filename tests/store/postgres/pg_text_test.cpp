// The PostgreSQL backend's text handling without a server: libpq's connection error texts to one
// line, extension errors to advice, pgvector's text form, parameters and URLs.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/postgres/connection.hpp"
#include "store/postgres/errors.hpp"
#include "store/postgres/params.hpp"
#include "store/postgres/result.hpp"

namespace companion::store::pg {
namespace {

using namespace std::chrono_literals;

TEST(PgConnectionFailure, KeepsOnlyTheReasonOfLibpqsLastAttempt) {
    EXPECT_EQ(connection_failure("connection to server at \"127.0.0.1\", port 1 failed: "
                                 "Connection refused\n\tIs the server running on that host and "
                                 "accepting TCP/IP connections?\n",
                                 "127.0.0.1:1"),
              "cannot connect to PostgreSQL at 127.0.0.1:1: Connection refused");
    EXPECT_EQ(connection_failure("connection to server at \"localhost\" (::1), port 5432 failed: "
                                 "Connection refused\n\tIs the server running on that host?\n"
                                 "connection to server at \"localhost\" (127.0.0.1), port 5432 "
                                 "failed: FATAL:  password authentication failed for user "
                                 "\"companion\"\n",
                                 "localhost:5432"),
              "cannot connect to PostgreSQL at localhost:5432: password authentication failed "
              "for user \"companion\"");
    EXPECT_EQ(connection_failure("connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" "
                                 "failed: No such file or directory\n\tIs the server running "
                                 "locally?\n",
                                 "/run/postgresql:5432"),
              "cannot connect to PostgreSQL at /run/postgresql:5432: No such file or directory");
    EXPECT_EQ(connection_failure("", "h:1"), "cannot connect to PostgreSQL at h:1: unknown error");
}

TEST(PgFirstLine, DropsTheSeverityAndEverythingAfterTheFirstLine) {
    EXPECT_EQ(first_line("FATAL:  terminating connection due to administrator command\nmore"),
              "terminating connection due to administrator command");
    EXPECT_EQ(first_line("server closed the connection unexpectedly\n\tThis probably means"),
              "server closed the connection unexpectedly");
}

TEST(PgExtensionAdvice, NamesThePackageForAMissingPgvector) {
    const auto advice = explain_extension_error(
        "0A000", "extension \"vector\" is not available", 150004);
    EXPECT_EQ(advice, "PostgreSQL has no pgvector extension: install postgresql-15-pgvector "
                      "(Debian/Ubuntu) or use the pgvector/pgvector image, then run "
                      "`companion migrate up`");
    // PostgreSQL before 15 said it differently.
    EXPECT_EQ(explain_extension_error("58P01",
                                      "could not open extension control file \"/usr/share/"
                                      "postgresql/13/extension/vector.control\": No such file",
                                      130011),
              "PostgreSQL has no pgvector extension: install postgresql-13-pgvector "
              "(Debian/Ubuntu) or use the pgvector/pgvector image, then run "
              "`companion migrate up`");
    EXPECT_TRUE(explain_extension_error("58P01", "extension \"vector\" has no control file", 0)
                    ->find("postgresql-<version>-pgvector") != std::string::npos);
}

TEST(PgExtensionAdvice, AsksForASuperuserWhenTheRoleMayNotCreateIt) {
    EXPECT_EQ(explain_extension_error("42501", "permission denied to create extension \"vector\"",
                                      170000),
              "the PostgreSQL role may not create the pgvector extension: a superuser must run "
              "CREATE EXTENSION vector once in this database, then run `companion migrate up`");
}

TEST(PgExtensionAdvice, LeavesOtherErrorsAlone) {
    EXPECT_EQ(explain_extension_error("42P07", "relation \"users\" already exists", 170000),
              std::nullopt);
    EXPECT_EQ(explain_extension_error("XX000", "extension \"vector\" broke", 170000),
              std::nullopt);
}

TEST(PgVectorText, RoundTripsEveryFiniteFloatBitForBit) {
    std::mt19937 random(1);
    std::vector<float> values = {0.0f, -0.0f, 1.0f, 0.1f, 3.4028235e38f, 1.4e-45f};
    while (values.size() < 5000) {
        const auto value = std::bit_cast<float>(static_cast<std::uint32_t>(random()));
        if (std::isfinite(value)) values.push_back(value);
    }
    const auto parsed = parse_vector(format_vector(values));
    ASSERT_TRUE(parsed.has_value());
    ASSERT_EQ(parsed->size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        EXPECT_EQ(std::bit_cast<std::uint32_t>((*parsed)[i]),
                  std::bit_cast<std::uint32_t>(values[i]));
    }
    EXPECT_EQ(format_vector({1.0f, 2.5f, -3.0f}), "[1,2.5,-3]");
}

TEST(PgVectorText, RejectsWhatPgvectorNeverPrints) {
    for (const char* text : {"", "[", "1,2", "[1,,2]", "[1,2,]", "[1;2]", "[a]"}) {
        EXPECT_FALSE(parse_vector(text).has_value()) << text;
    }
    EXPECT_EQ(parse_vector("[1,2]"), (std::vector<float>{1.0f, 2.0f}));
}

TEST(PgParams, TextFormsOfEveryKind) {
    Params params(std::string("a"), std::optional<std::string>(), std::int64_t{-5}, 7, 0.1, true,
                  Timestamp(std::chrono::microseconds(1700000000123457)));
    const auto values = params.pointers();
    ASSERT_EQ(params.size(), 7);
    EXPECT_STREQ(values[0], "a");
    EXPECT_EQ(values[1], nullptr);
    EXPECT_STREQ(values[2], "-5");
    EXPECT_STREQ(values[3], "7");
    EXPECT_STREQ(values[4], "0.1");
    EXPECT_STREQ(values[5], "true");
    EXPECT_STREQ(values[6], "1700000000123457");
    EXPECT_EQ(uuid_array({"a", "b"}), "{a,b}");
}

TEST(PgParams, RefusesTextWithNulAndClampsTimestampsIntoPostgresRange) {
    Params params;
    EXPECT_THROW(params.add(std::string("a\0b", 3)), std::invalid_argument);
    params.add(Timestamp::max()).add(Timestamp::min());
    const auto values = params.pointers();
    EXPECT_STREQ(values[0], "4611686018427387904");
    EXPECT_STREQ(values[1], "-144115188075855872");
}

TEST(PgConnectSettings, AddsTheStatementTimeoutAndKeepsTheUrlsOptions) {
    const auto settings = parse_connect_settings(
        "postgresql://app:secret@db.example:6543/companion?options=-c%20work_mem%3D7MB",
        10000ms, 5000ms);
    EXPECT_EQ(settings.host_label, "db.example:6543");
    std::map<std::string, std::string> keywords(settings.keywords.begin(),
                                                settings.keywords.end());
    EXPECT_EQ(keywords["options"], "-c work_mem=7MB -c statement_timeout=10000");
    EXPECT_EQ(keywords["dbname"], "companion");
    EXPECT_EQ(keywords["fallback_application_name"], "companion");
    EXPECT_EQ(settings.connect_timeout, 5000ms);
}

TEST(PgConnectSettings, DefaultsAndErrors) {
    const auto settings = parse_connect_settings("postgresql:///companion", 0ms, 1000ms);
    EXPECT_EQ(settings.host_label, "localhost:5432");
    for (const auto& [key, value] : settings.keywords) EXPECT_NE(key, "options") << value;
    EXPECT_THROW(parse_connect_settings("postgresql://a:b@h/db?bogus=1", 0ms, 0ms),
                 std::invalid_argument);
    EXPECT_EQ(describe_duration(5000ms), "5 s");
    EXPECT_EQ(describe_duration(250ms), "250 ms");
}

}  // namespace
}  // namespace companion::store::pg
