#include "config/settings.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace companion::config {
namespace {

EnvMap parse(const std::string& text) {
    return parse_env_file_text(text, ".env");
}

// The ConfigError message for this text, or "" when it parses.
std::string error_of(const std::string& text) {
    try {
        parse(text);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "";
}

// A file in the temporary directory, removed at the end of the test.
class TempFile {
  public:
    explicit TempFile(const std::string& content)
        : path_(std::filesystem::temp_directory_path() /
                ("companion_env_file_test_" + std::to_string(::getpid()) + "_" +
                 std::to_string(counter_++) + ".env")) {
        std::ofstream(path_, std::ios::binary) << content;
    }
    ~TempFile() { std::filesystem::remove(path_); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    std::string path() const { return path_.string(); }

  private:
    static inline int counter_ = 0;
    std::filesystem::path path_;
};

// Sets a process environment variable for the scope of a test, restoring the previous value.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) previous_ = old;
        ::setenv(name, value, 1);
    }
    ~ScopedEnv() {
        if (previous_) {
            ::setenv(name_.c_str(), previous_->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    std::string name_;
    std::optional<std::string> previous_;
};

TEST(EnvFileSyntax, KeyValueLinesAreReadSkippingBlankLinesAndComments) {
    const EnvMap values =
        parse("# settings\n\nPORT=9000\n   # indented comment\nHOST=127.0.0.1\n\n");
    EXPECT_EQ(values, (EnvMap{{"PORT", "9000"}, {"HOST", "127.0.0.1"}}));
}

TEST(EnvFileSyntax, ExportPrefixIsIgnored) {
    EXPECT_EQ(parse("export PORT=9000\nexport\tHOST=h\n"),
              (EnvMap{{"PORT", "9000"}, {"HOST", "h"}}));
    EXPECT_EQ(parse("export=1\n"), (EnvMap{{"export", "1"}}));
}

TEST(EnvFileSyntax, WhitespaceAroundKeyEqualsAndValueIsTrimmed) {
    EXPECT_EQ(parse("  PORT \t=  9000  \n"), (EnvMap{{"PORT", "9000"}}));
}

TEST(EnvFileSyntax, EmptyValueAndValuesContainingEqualsAreKept) {
    EXPECT_EQ(parse("EMPTY=\nURL=postgresql://h/db?sslmode=require&a=b\n"),
              (EnvMap{{"EMPTY", ""}, {"URL", "postgresql://h/db?sslmode=require&a=b"}}));
}

TEST(EnvFileSyntax, SingleQuotedValuesAreLiteral) {
    EXPECT_EQ(parse("A='  x\\n \"y\" # not a comment  '\n").at("A"),
              "  x\\n \"y\" # not a comment  ");
}

TEST(EnvFileSyntax, DoubleQuotedValuesUnderstandNewlineQuoteAndBackslashEscapes) {
    EXPECT_EQ(parse(R"(A="line1\nline2 \"quoted\" back\\slash # kept")").at("A"),
              "line1\nline2 \"quoted\" back\\slash # kept");
    EXPECT_EQ(parse(R"(A="C:\temp\x")").at("A"), "C:\\temp\\x");
}

TEST(EnvFileSyntax, CommentsMayFollowAClosingQuote) {
    EXPECT_EQ(parse("A='x' # comment\nB=\"y\"# comment\n"), (EnvMap{{"A", "x"}, {"B", "y"}}));
}

TEST(EnvFileSyntax, UnquotedValuesLoseATrailingCommentAfterABlank) {
    EXPECT_EQ(parse("A=value # comment\n").at("A"), "value");
    EXPECT_EQ(parse("A=value\t# comment\n").at("A"), "value");
    EXPECT_EQ(parse("A= # only a comment\n").at("A"), "");
    EXPECT_EQ(parse("A=pass#word\n").at("A"), "pass#word");
    EXPECT_EQ(parse("A=#hash\n").at("A"), "#hash");
}

TEST(EnvFileSyntax, QuotesInsideAnUnquotedValueAreLiteral) {
    EXPECT_EQ(parse("A=it's \"fine\"\n").at("A"), "it's \"fine\"");
}

TEST(EnvFileSyntax, LaterAssignmentOfAKeyWins) {
    EXPECT_EQ(parse("PORT=1\nPORT=2\n").at("PORT"), "2");
}

TEST(EnvFileSyntax, WindowsLineEndingsAndByteOrderMarkAreAccepted) {
    EXPECT_EQ(parse("\xEF\xBB\xBFPORT=1\r\nHOST=\"h\"\r\n"),
              (EnvMap{{"PORT", "1"}, {"HOST", "h"}}));
}

TEST(EnvFileErrors, LineWithoutEqualsNamesFileAndLine) {
    EXPECT_EQ(error_of("PORT=1\n\nJUST_A_WORD\n"), ".env:3: expected KEY=VALUE");
}

TEST(EnvFileErrors, InvalidKeysAreRejected) {
    EXPECT_EQ(error_of("1PORT=1\n"),
              ".env:1: invalid variable name \"1PORT\": expected letters, digits and _, not "
              "starting with a digit");
    for (const char* bad : {"MY-KEY=1", "=1", "MY KEY=1", "export =1", "K\xC3\xA9Y=1"}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(error_of(bad).rfind(".env:1: invalid variable name", 0), 0u);
    }
}

TEST(EnvFileErrors, UnterminatedQuotesAreRejected) {
    EXPECT_EQ(error_of("A=1\nB='open\n"), ".env:2: unterminated single quote in the value of B");
    EXPECT_EQ(error_of("A=\"open\n"), ".env:1: unterminated double quote in the value of A");
    EXPECT_EQ(error_of(R"(A="ends with escaped quote\")"),
              ".env:1: unterminated double quote in the value of A");
}

TEST(EnvFileErrors, TextAfterAClosingQuoteIsRejected) {
    EXPECT_EQ(error_of("A='x'y\n"),
              ".env:1: unexpected text after the closing quote of the value of A");
}

TEST(EnvFileErrors, MessagesNeverRepeatTheValue) {
    const std::string error = error_of("JWT_SECRET_KEY: hunter2-secret\n");
    EXPECT_EQ(error, ".env:1: expected KEY=VALUE");
    EXPECT_EQ(error_of("JWT_SECRET_KEY=\"hunter2-secret\n").find("hunter2"), std::string::npos);
}

TEST(ReadEnvFile, ReadsAndParsesTheFile) {
    const TempFile file("PORT=9000\nexport HOST='h'\n");
    EXPECT_EQ(read_env_file(file.path()), (EnvMap{{"PORT", "9000"}, {"HOST", "h"}}));
}

TEST(ReadEnvFile, SyntaxErrorsNameThePathAndLine) {
    const TempFile file("PORT=9000\nBROKEN\n");
    try {
        read_env_file(file.path());
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()), file.path() + ":2: expected KEY=VALUE");
    }
}

TEST(ReadEnvFile, MissingFileIsAnErrorNamingThePath) {
    try {
        read_env_file("/nonexistent/companion/.env");
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_EQ(
            std::string(error.what()),
            "cannot read env file \"/nonexistent/companion/.env\": No such file or directory");
    }
}

TEST(ReadEnvFile, DirectoryIsAnErrorNamingThePath) {
    const std::string directory = std::filesystem::temp_directory_path().string();
    try {
        read_env_file(directory);
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "cannot read env file \"" + directory + "\": it is a directory");
    }
}

TEST(ReadProcessEnvironment, ReturnsOnlyKnownVariables) {
    const ScopedEnv port("PORT", "9123");
    const ScopedEnv data_dir("DATA_DIR", "");
    const ScopedEnv unknown("COMPANION_ENV_FILE_TEST_UNKNOWN", "x");
    const EnvMap values = read_process_environment();
    EXPECT_EQ(values.at("PORT"), "9123");
    EXPECT_EQ(values.at("DATA_DIR"), "");
    EXPECT_EQ(values.count("COMPANION_ENV_FILE_TEST_UNKNOWN"), 0u);
    for (const auto& [name, value] : values) {
        EXPECT_NE(std::find(known_variables().begin(), known_variables().end(), name),
                  known_variables().end())
            << name;
    }
}

}  // namespace
}  // namespace companion::config
