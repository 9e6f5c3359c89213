#include "auth/passwords.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace companion::auth {
namespace {

constexpr Argon2Params kSmall{.memory_kib = 1024, .iterations = 1, .parallelism = 1};

std::string replaced(std::string text, std::string_view from, std::string_view to) {
    const auto at = text.find(from);
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

TEST(Passwords, HashThenVerifySucceeds) {
    const auto encoded = hash_password("correct horse battery staple", kSmall);
    EXPECT_TRUE(verify_password("correct horse battery staple", encoded));
}

TEST(Passwords, WrongPasswordFails) {
    const auto encoded = hash_password("correct horse battery staple", kSmall);
    EXPECT_FALSE(verify_password("correct horse battery stapler", encoded));
    EXPECT_FALSE(verify_password("Correct horse battery staple", encoded));
    EXPECT_FALSE(verify_password("", encoded));
}

TEST(Passwords, TwoHashesOfOnePasswordDifferBySalt) {
    const auto first = hash_password("same password twice", kSmall);
    const auto second = hash_password("same password twice", kSmall);
    EXPECT_NE(first, second);
    EXPECT_TRUE(verify_password("same password twice", first));
    EXPECT_TRUE(verify_password("same password twice", second));
}

TEST(Passwords, EncodedStringNamesArgon2idAndItsParameters) {
    const auto encoded = hash_password("a password", kSmall);
    const std::string prefix = "$argon2id$v=19$m=1024,t=1,p=1$";
    ASSERT_TRUE(encoded.starts_with(prefix)) << encoded;
    const auto rest = encoded.substr(prefix.size());
    const auto dollar = rest.find('$');
    ASSERT_NE(dollar, std::string::npos);
    EXPECT_EQ(dollar, 22u);                    // 16-byte salt in unpadded base64
    EXPECT_EQ(rest.size() - dollar - 1, 43u);  // 32-byte hash in unpadded base64
    EXPECT_EQ(parse_argon2id_params(encoded), kSmall);
}

TEST(Passwords, DefaultsAreOwaspArgon2id) {
    const Argon2Params defaults;
    EXPECT_EQ(defaults.memory_kib, 19456u);
    EXPECT_EQ(defaults.iterations, 2u);
    EXPECT_EQ(defaults.parallelism, 1u);
    const auto encoded = hash_password("a password with the default cost");
    EXPECT_TRUE(encoded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << encoded;
    EXPECT_TRUE(verify_password("a password with the default cost", encoded));
    EXPECT_FALSE(needs_rehash(encoded));
}

TEST(Passwords, HasherAcceptsAnyLengthAndBytes) {
    const std::string empty;
    EXPECT_TRUE(verify_password(empty, hash_password(empty, kSmall)));
    const std::string long_password(5000, 'x');
    EXPECT_TRUE(verify_password(long_password, hash_password(long_password, kSmall)));
    const std::string with_nul("before\0after", 12);
    const auto encoded = hash_password(with_nul, kSmall);
    EXPECT_TRUE(verify_password(with_nul, encoded));
    EXPECT_FALSE(verify_password(std::string("before\0other", 12), encoded));
    EXPECT_FALSE(verify_password("before", encoded));
}

TEST(Passwords, SeveralLanesRoundTrip) {
    const Argon2Params lanes{.memory_kib = 1024, .iterations = 1, .parallelism = 2};
    const auto encoded = hash_password("a password", lanes);
    EXPECT_TRUE(encoded.starts_with("$argon2id$v=19$m=1024,t=1,p=2$"));
    EXPECT_TRUE(verify_password("a password", encoded));
}

TEST(Passwords, MalformedEncodedStringsVerifyFalse) {
    static_assert(noexcept(verify_password("", "")));
    for (const char* encoded :
         {"", "garbage", "$argon2id$", "$argon2id$v=19$m=1024,t=1,p=1",
          "$argon2id$v=19$m=1024,t=1,p=1$$", "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
          "$argon2id$v=19$m=01024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo"}) {
        EXPECT_FALSE(verify_password("a password", encoded)) << encoded;
    }
}

TEST(Passwords, EveryTruncationOfAHashVerifiesFalse) {
    const auto encoded = hash_password("a password", kSmall);
    for (std::size_t length = 0; length < encoded.size(); ++length) {
        EXPECT_FALSE(verify_password("a password", encoded.substr(0, length))) << length;
    }
}

TEST(Passwords, AlteredEncodedStringsVerifyFalse) {
    const auto encoded = hash_password("a password", kSmall);
    auto flipped = encoded;
    flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_password("a password", flipped));
    EXPECT_FALSE(verify_password("a password", encoded + "A"));
    EXPECT_FALSE(verify_password("a password", encoded + std::string(1, '\0') + "junk"));
    EXPECT_FALSE(verify_password("a password", " " + encoded));
    EXPECT_FALSE(verify_password("a password", replaced(encoded, "argon2id", "argon2i")));
    EXPECT_FALSE(verify_password("a password", replaced(encoded, "m=1024", "m=2048")));
    EXPECT_FALSE(verify_password("a password", replaced(encoded, "v=19", "v=16")));
}

TEST(Passwords, AbsurdStoredParametersAreRefusedWithoutTheWork) {
    const auto encoded = hash_password("a password", kSmall);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(verify_password("a password", replaced(encoded, "m=1024", "m=4294967295")));
    EXPECT_FALSE(verify_password("a password", replaced(encoded, "t=1", "t=4294967295")));
    EXPECT_FALSE(verify_password("a password", replaced(encoded, "p=1", "p=16777215")));
    EXPECT_FALSE(verify_password("a password", replaced(encoded, "m=1024", "m=99999999999")));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
}

TEST(Passwords, HashRefusesParametersItCouldNotVerify) {
    EXPECT_THROW(hash_password("x", {.memory_kib = 1024, .iterations = 0, .parallelism = 1}),
                 std::invalid_argument);
    EXPECT_THROW(hash_password("x", {.memory_kib = 4, .iterations = 1, .parallelism = 1}),
                 std::invalid_argument);
    EXPECT_THROW(hash_password("x", {.memory_kib = 1024, .iterations = 1, .parallelism = 0}),
                 std::invalid_argument);
    EXPECT_THROW(hash_password("x", {.memory_kib = kMaxArgon2MemoryKib + 1, .iterations = 1}),
                 std::invalid_argument);
    EXPECT_THROW(hash_password("x", {.memory_kib = 1024, .iterations = kMaxArgon2Iterations + 1}),
                 std::invalid_argument);
}

TEST(Passwords, NeedsRehashWhenStoredCostIsBelowCurrent) {
    const auto encoded = hash_password("a password", kSmall);
    EXPECT_FALSE(needs_rehash(encoded, kSmall));
    EXPECT_TRUE(needs_rehash(encoded, {.memory_kib = 2048, .iterations = 1, .parallelism = 1}));
    EXPECT_TRUE(needs_rehash(encoded, {.memory_kib = 1024, .iterations = 2, .parallelism = 1}));
    EXPECT_TRUE(needs_rehash(encoded));
    EXPECT_FALSE(needs_rehash(encoded, {.memory_kib = 512, .iterations = 1, .parallelism = 1}));
    EXPECT_FALSE(needs_rehash(encoded, {.memory_kib = 1024, .iterations = 1, .parallelism = 4}));
}

TEST(Passwords, NeedsRehashWhenStoredHashIsNotArgon2id) {
    EXPECT_TRUE(needs_rehash("", kSmall));
    EXPECT_TRUE(
        needs_rehash("$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", kSmall));
    EXPECT_TRUE(needs_rehash("$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA", kSmall));
    EXPECT_TRUE(needs_rehash("$argon2id$v=16$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA", kSmall));
}

TEST(Passwords, ParseReadsOnlyWellFormedParameters) {
    EXPECT_EQ(parse_argon2id_params("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"), Argon2Params{});
    EXPECT_EQ(parse_argon2id_params("$argon2id$v=19$m=19456,t=2,p=1"), std::nullopt);
    EXPECT_EQ(parse_argon2id_params("$argon2id$v=19$m=-1,t=2,p=1$s$h"), std::nullopt);
    EXPECT_EQ(parse_argon2id_params("$argon2id$v=19$m=4294967296,t=2,p=1$s$h"), std::nullopt);
    EXPECT_EQ(parse_argon2id_params("$argon2id$v=19$t=2,m=19456,p=1$s$h"), std::nullopt);
}

TEST(Passwords, DummyVerifyNeverSucceeds) {
    EXPECT_FALSE(verify_against_dummy("a password", kSmall));
    EXPECT_FALSE(verify_against_dummy("", kSmall));
}

using Clock = std::chrono::steady_clock;

template <typename Work>
Clock::duration fastest_of(int runs, Work work) {
    auto best = Clock::duration::max();
    for (int i = 0; i < runs; ++i) {
        const auto started = Clock::now();
        work();
        best = std::min(best, Clock::now() - started);
    }
    return best;
}

// The fastest of several runs is what the code path costs; slower runs measure the machine.
TEST(Passwords, DummyVerifyTakesAboutAsLongAsARealVerify) {
    const Argon2Params params{.memory_kib = 4096, .iterations = 1, .parallelism = 1};
    const auto encoded = hash_password("the real password", params);
    const auto real = fastest_of(7, [&] { EXPECT_FALSE(verify_password("a guess", encoded)); });
    const auto dummy =
        fastest_of(7, [&] { EXPECT_FALSE(verify_against_dummy("a guess", params)); });
    const double ratio = std::chrono::duration<double>(dummy) / std::chrono::duration<double>(real);
    EXPECT_GT(ratio, 0.5) << "dummy " << dummy.count() << " real " << real.count();
    EXPECT_LT(ratio, 2.0) << "dummy " << dummy.count() << " real " << real.count();
}

}  // namespace
}  // namespace companion::auth
