#include "auth/passwords.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace companion::auth {
namespace {

constexpr std::string_view kParamsPrefix = "$argon2id$v=19$m=";
// Hashes made here are about 100 bytes; anything much longer is not one of ours.
constexpr std::size_t kMaxEncodedLength = 255;
// Base64 of 16 and 32 fixed bytes: the dummy hash has the shape of a real one, so verifying
// against it costs the same, and no password is known to match it.
constexpr std::string_view kDummySalt = "QyjEaxDyl7UceHWBDIaRoQ";
constexpr std::string_view kDummyHash = "OVDi+uh+7ptJHufFb2Gx8zfZfznlTRmHARS1VcmTC9Q";

bool within_limits(const Argon2Params& params) {
    return params.iterations >= ARGON2_MIN_TIME && params.iterations <= kMaxArgon2Iterations &&
           params.parallelism >= ARGON2_MIN_LANES && params.parallelism <= kMaxArgon2Parallelism &&
           params.memory_kib >= ARGON2_MIN_MEMORY * params.parallelism &&
           params.memory_kib <= kMaxArgon2MemoryKib;
}

bool take_literal(std::string_view& text, std::string_view literal) {
    if (!text.starts_with(literal)) return false;
    text.remove_prefix(literal.size());
    return true;
}

// Like libargon2's own decoder: digits only, no leading zero.
bool take_number(std::string_view& text, std::uint32_t& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{}) return false;
    const auto digits = static_cast<std::size_t>(end - text.data());
    if (digits > 1 && text.front() == '0') return false;
    text.remove_prefix(digits);
    return true;
}

std::array<unsigned char, kPasswordSaltBytes> random_salt() {
    std::array<unsigned char, kPasswordSaltBytes> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
        throw std::runtime_error("no random bytes available for a password salt");
    }
    return salt;
}

}  // namespace

std::string hash_password(std::string_view password, const Argon2Params& params) {
    if (!within_limits(params)) {
        throw std::invalid_argument(
            "argon2id parameters out of range: iterations 1..64, parallelism 1..64, memory "
            "8 KiB per lane..2 GiB");
    }
    const auto salt = random_salt();
    std::string encoded(argon2_encodedlen(params.iterations, params.memory_kib, params.parallelism,
                                          kPasswordSaltBytes, kPasswordHashBytes, Argon2_id),
                        '\0');
    const int status = argon2id_hash_encoded(
        params.iterations, params.memory_kib, params.parallelism, password.data(), password.size(),
        salt.data(), salt.size(), kPasswordHashBytes, encoded.data(), encoded.size());
    if (status != ARGON2_OK) {
        throw std::runtime_error(std::string("argon2id hashing failed: ") +
                                 argon2_error_message(status));
    }
    encoded.resize(encoded.find('\0'));
    return encoded;
}

bool verify_password(std::string_view password, std::string_view encoded) noexcept {
    // A NUL would end the C string early and let libargon2 accept a prefix of the input.
    if (encoded.size() > kMaxEncodedLength || encoded.find('\0') != std::string_view::npos) {
        return false;
    }
    const auto params = parse_argon2id_params(encoded);
    if (!params || !within_limits(*params)) return false;
    std::array<char, kMaxEncodedLength + 1> terminated{};
    encoded.copy(terminated.data(), encoded.size());
    return argon2id_verify(terminated.data(), password.data(), password.size()) == ARGON2_OK;
}

std::optional<Argon2Params> parse_argon2id_params(std::string_view encoded) {
    Argon2Params params;
    if (take_literal(encoded, kParamsPrefix) && take_number(encoded, params.memory_kib) &&
        take_literal(encoded, ",t=") && take_number(encoded, params.iterations) &&
        take_literal(encoded, ",p=") && take_number(encoded, params.parallelism) &&
        encoded.starts_with('$')) {
        return params;
    }
    return std::nullopt;
}

bool needs_rehash(std::string_view encoded, const Argon2Params& current) {
    const auto stored = parse_argon2id_params(encoded);
    return !stored || stored->memory_kib < current.memory_kib ||
           stored->iterations < current.iterations;
}

bool verify_against_dummy(std::string_view password, const Argon2Params& params) noexcept {
    std::array<char, kMaxEncodedLength + 1> dummy{};
    const int length = std::snprintf(
        dummy.data(), dummy.size(), "$argon2id$v=19$m=%u,t=%u,p=%u$%.*s$%.*s",
        static_cast<unsigned>(params.memory_kib), static_cast<unsigned>(params.iterations),
        static_cast<unsigned>(params.parallelism), static_cast<int>(kDummySalt.size()),
        kDummySalt.data(), static_cast<int>(kDummyHash.size()), kDummyHash.data());
    if (length > 0 && static_cast<std::size_t>(length) < dummy.size()) {
        verify_password(password, std::string_view(dummy.data(), static_cast<std::size_t>(length)));
    }
    return false;
}

}  // namespace companion::auth
