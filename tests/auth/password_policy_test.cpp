#include "auth/password_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace companion::auth {
namespace {

constexpr const char* kTooShort = "the password must be at least 12 characters long";
constexpr const char* kTooLong = "the password must be at most 1024 bytes long";
constexpr const char* kNotUtf8 = "the password must be valid UTF-8";
constexpr const char* kOneCharacter = "the password must not be a single character repeated";
constexpr const char* kShortPattern = "the password must not be a short pattern repeated";
constexpr const char* kUsername = "the password must not be the username";
constexpr const char* kCommon = "the password is too common";

std::optional<std::string> problem(std::string_view password) {
    return password_policy_problem("alice", password);
}

TEST(PasswordPolicy, AcceptsAGoodPassword) {
    EXPECT_EQ(problem("vivid-otter-sings-42"), std::nullopt);
    EXPECT_EQ(problem("Tr0ub4dor&3x"), std::nullopt);
    EXPECT_EQ(password_policy_problem("", "vivid-otter-sings-42"), std::nullopt);
}

TEST(PasswordPolicy, NeedsTwelveCharacters) {
    EXPECT_EQ(problem(""), kTooShort);
    EXPECT_EQ(problem("k7#mQ2v!pZ9"), kTooShort);
    EXPECT_EQ(problem("k7#mQ2v!pZ9w"), std::nullopt);
}

TEST(PasswordPolicy, CountsCodePointsNotBytes) {
    // Twelve different emoji are 48 bytes and twelve characters; eleven are not enough.
    const std::string twelve =
        "\xF0\x9F\x98\x80\xF0\x9F\x98\x81\xF0\x9F\x98\x82\xF0\x9F\x98\x83"
        "\xF0\x9F\x98\x84\xF0\x9F\x98\x85\xF0\x9F\x98\x86\xF0\x9F\x98\x87"
        "\xF0\x9F\x98\x88\xF0\x9F\x98\x89\xF0\x9F\x98\x8A\xF0\x9F\x98\x8B";
    ASSERT_EQ(twelve.size(), 48u);
    EXPECT_EQ(problem(twelve), std::nullopt);
    EXPECT_EQ(problem(twelve.substr(0, 44)), kTooShort);
    EXPECT_EQ(problem("\xC3\xA9t\xC3\xA9-\xC3\xA0-Paris"), kTooShort);  // 11 characters, 14 bytes
    EXPECT_EQ(problem("\xC3\xA9t\xC3\xA9-\xC3\xA0-Paris!"), std::nullopt);
}

TEST(PasswordPolicy, RejectsInvalidUtf8) {
    EXPECT_EQ(problem("k7#mQ2v!pZ9w\xFF"), kNotUtf8);
    EXPECT_EQ(problem("k7#mQ2v!pZ9w\xC3"), kNotUtf8);          // truncated sequence
    EXPECT_EQ(problem("k7#mQ2v!pZ9w\xC0\xAF"), kNotUtf8);      // overlong
    EXPECT_EQ(problem("k7#mQ2v!pZ9w\xED\xA0\x80"), kNotUtf8);  // surrogate
}

TEST(PasswordPolicy, AtMost1024Bytes) {
    const std::string password = "k7#mQ2v!pZ9w" + std::string(kMaxPasswordBytes - 12, 'x');
    ASSERT_EQ(password.size(), kMaxPasswordBytes);
    EXPECT_EQ(problem(password), std::nullopt);
    EXPECT_EQ(problem(password + "x"), kTooLong);
    EXPECT_EQ(problem(password + "\xFF"), kTooLong);  // the size is checked first
}

TEST(PasswordPolicy, RejectsOneRepeatedCharacter) {
    EXPECT_EQ(problem("aaaaaaaaaaaa"), kOneCharacter);
    EXPECT_EQ(problem("111111111111111"), kOneCharacter);
    EXPECT_EQ(problem(std::string(60, ' ')), kOneCharacter);
    std::string hearts;
    for (int i = 0; i < 12; ++i) hearts += "\xE2\x9D\xA4";
    EXPECT_EQ(problem(hearts), kOneCharacter);
    EXPECT_EQ(problem("aaaaaaaaaaab"), std::nullopt);
}

TEST(PasswordPolicy, RejectsAShortPatternRepeated) {
    EXPECT_EQ(problem("abababababab"), kShortPattern);
    EXPECT_EQ(problem("xyzxyzxyzxyzx"), kShortPattern);
    EXPECT_EQ(problem("q9!Zq9!Zq9!Z"), kShortPattern);
    EXPECT_EQ(problem("q9!Z#q9!Z#q9!Z#"), std::nullopt);  // five characters repeated: allowed
}

TEST(PasswordPolicy, RejectsTheUsername) {
    EXPECT_EQ(password_policy_problem("charlotte.brown", "charlotte.brown"), kUsername);
    EXPECT_EQ(password_policy_problem("charlotte.brown", "Charlotte.BROWN"), kUsername);
    EXPECT_EQ(password_policy_problem("charlotte.brown", "  charlotte.brown\t"), kUsername);
    EXPECT_EQ(password_policy_problem(" Charlotte.Brown ", "charlotte.brown"), kUsername);
    EXPECT_EQ(password_policy_problem("charlotte.brown", "charlotte.brown1"), std::nullopt);
}

TEST(PasswordPolicy, RejectsTheExamplesOfCommonPasswords) {
    for (const char* password :
         {"password1234", "123456789012", "qwertyuiopas", "iloveyou1234", "administrator",
          "passwordpassword", "changemechangeme", "letmeinletmein", "Password1234", "PASSWORD@123",
          "  iloveyou1234  ", "correcthorsebatterystaple"}) {
        EXPECT_EQ(problem(password), kCommon) << password;
    }
}

TEST(PasswordPolicy, RejectsShortClassicsRepeatedToLength) {
    for (const char* password : {"passwordpass", "qwertyqwerty", "Dragondragon", "iloveyouilov",
                                 "monkeymonkeymonkey", "1234567812345678", "trustno1trust"}) {
        EXPECT_EQ(problem(password), kCommon) << password;
    }
    EXPECT_EQ(problem("passwordpasx"), std::nullopt);
    EXPECT_EQ(problem("mypasswordisgreen"), std::nullopt);
}

TEST(PasswordPolicy, EveryListedPasswordIsRejectedAsCommon) {
    for (const auto password : common_passwords()) {
        EXPECT_EQ(problem(password), kCommon) << password;
    }
}

TEST(PasswordPolicy, ListsAreLowerCaseSortedAndUnique) {
    const auto list = common_passwords();
    EXPECT_GE(list.size(), 200u);
    EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
    EXPECT_EQ(std::set<std::string_view>(list.begin(), list.end()).size(), list.size());
    const auto stems = common_password_stems();
    EXPECT_TRUE(std::is_sorted(stems.begin(), stems.end()));
    EXPECT_EQ(std::set<std::string_view>(stems.begin(), stems.end()).size(), stems.size());
    const auto has_upper = [](std::string_view word) {
        return std::any_of(word.begin(), word.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    };
    for (const auto password : list) {
        EXPECT_GE(password.size(), kMinPasswordCodePoints) << password;
        EXPECT_FALSE(has_upper(password)) << password;
    }
    for (const auto stem : stems) EXPECT_FALSE(has_upper(stem)) << stem;
}

TEST(PasswordPolicy, IsCommonPasswordIgnoresCaseAndSurroundingSpace) {
    EXPECT_TRUE(is_common_password("QwertyUiopAs"));
    EXPECT_TRUE(is_common_password("\tletmeinletmein \n"));
    EXPECT_TRUE(is_common_password("PasswordPass"));
    EXPECT_FALSE(is_common_password("vivid-otter-sings-42"));
    EXPECT_FALSE(is_common_password(""));
}

TEST(PasswordPolicy, RulesAreCheckedInOrder) {
    EXPECT_EQ(password_policy_problem("aaaaaaaaaaaa", "aaaaaaaaaaaa"), kOneCharacter);
    EXPECT_EQ(password_policy_problem("password1234", "password1234"), kUsername);
    EXPECT_EQ(password_policy_problem("bob", "bob"), kTooShort);
}

}  // namespace
}  // namespace companion::auth
