#include "auth/api_keys.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <set>
#include <string>

namespace companion::auth {
namespace {

bool is_base64url(std::string_view text) {
    return text.find_first_not_of(
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
           std::string_view::npos;
}

// The first word `command` prints, through the shell.
std::string shell_output(const std::string& command) {
    std::FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return {};
    std::array<char, 256> buffer{};
    std::string out;
    while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
        out += buffer.data();
    }
    pclose(pipe);
    return out.substr(0, out.find_first_of(" \n"));
}

TEST(ApiKeys, KeyIsMarkerAnd43Base64UrlCharacters) {
    const auto created = generate_api_key();
    ASSERT_EQ(created.key.size(), 46u);
    EXPECT_TRUE(created.key.starts_with("ck_"));
    EXPECT_TRUE(is_base64url(created.key.substr(3))) << created.key;
    // 32 bytes are 256 bits; the 43rd character carries 2 spare bits, always zero.
    EXPECT_NE(std::string_view("AEIMQUYcgkosw048").find(created.key.back()), std::string_view::npos)
        << created.key;
}

TEST(ApiKeys, PrefixIsTheFirstTwelveCharacters) {
    const auto created = generate_api_key();
    EXPECT_EQ(created.prefix.size(), 12u);
    EXPECT_EQ(created.prefix, created.key.substr(0, 12));
}

TEST(ApiKeys, HashIsTheSha256OfTheKey) {
    const auto created = generate_api_key();
    EXPECT_EQ(created.hash, hash_api_key(created.key));
    EXPECT_EQ(created.hash.size(), 64u);
    EXPECT_EQ(created.hash.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(created.hash, shell_output("printf %s '" + created.key + "' | sha256sum"));
}

TEST(ApiKeys, HashMatchesKnownSha256Vectors) {
    EXPECT_EQ(hash_api_key(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hash_api_key("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeys, ThousandKeysAreAllDifferent) {
    std::set<std::string> keys;
    std::set<std::string> prefixes;
    std::set<std::string> hashes;
    for (int i = 0; i < 1000; ++i) {
        const auto created = generate_api_key();
        keys.insert(created.key);
        prefixes.insert(created.prefix);
        hashes.insert(created.hash);
    }
    EXPECT_EQ(keys.size(), 1000u);
    EXPECT_EQ(prefixes.size(), 1000u);
    EXPECT_EQ(hashes.size(), 1000u);
}

TEST(ApiKeys, LooksLikeApiKeyAcceptsGeneratedKeys) {
    for (int i = 0; i < 100; ++i) {
        const auto created = generate_api_key();
        EXPECT_TRUE(looks_like_api_key(created.key)) << created.key;
        EXPECT_FALSE(looks_like_api_key(created.prefix));
        EXPECT_FALSE(looks_like_api_key(created.hash));
    }
}

TEST(ApiKeys, LooksLikeApiKeyRejectsJwtsAndNearMisses) {
    const std::string key = generate_api_key().key;
    EXPECT_FALSE(
        looks_like_api_key("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
                           "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"));
    EXPECT_FALSE(looks_like_api_key("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abcdefghij"));
    EXPECT_FALSE(looks_like_api_key(""));
    EXPECT_FALSE(looks_like_api_key("ck_"));
    EXPECT_FALSE(looks_like_api_key(key.substr(0, 45)));
    EXPECT_FALSE(looks_like_api_key(key + "A"));
    // std::string(...) + ...: g++ 12 -O3 warns falsely on "literal" + std::string temporaries.
    EXPECT_FALSE(looks_like_api_key(std::string("CK_") + key.substr(3)));
    EXPECT_FALSE(looks_like_api_key(std::string("sk_") + key.substr(3)));
    EXPECT_FALSE(looks_like_api_key(key.substr(0, 20) + "." + key.substr(21)));
    EXPECT_FALSE(looks_like_api_key(key.substr(0, 20) + "+" + key.substr(21)));
    EXPECT_FALSE(looks_like_api_key(key.substr(0, 20) + "=" + key.substr(21)));
    EXPECT_FALSE(looks_like_api_key(std::string(" ") + key.substr(1)));
}

}  // namespace
}  // namespace companion::auth
