// Password hashing with argon2id (libargon2). Blocking and CPU-heavy: callers run these on the
// worker pool, never on an I/O thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace companion::auth {

// Cost parameters of argon2id. The defaults are OWASP's recommendation (19 MiB, 2 passes, 1 lane);
// tests pass smaller ones.
struct Argon2Params {
    std::uint32_t memory_kib = 19456;
    std::uint32_t iterations = 2;
    std::uint32_t parallelism = 1;

    bool operator==(const Argon2Params&) const = default;
};

// Sanity limits. An encoded hash whose parameters exceed them does not verify (a corrupted or
// planted row must not make a login allocate terabytes or run for hours), and hash_password
// refuses them so that every hash it makes can be verified. RFC 9106's first recommendation
// (2 GiB, 1 pass, 4 lanes) is within them.
inline constexpr std::uint32_t kMaxArgon2MemoryKib = 2u * 1024u * 1024u;
inline constexpr std::uint32_t kMaxArgon2Iterations = 64;
inline constexpr std::uint32_t kMaxArgon2Parallelism = 64;

inline constexpr std::size_t kPasswordSaltBytes = 16;
inline constexpr std::size_t kPasswordHashBytes = 32;

// The encoded form "$argon2id$v=19$m=M,t=T,p=P$<salt>$<hash>" with a fresh random salt, so the
// parameters travel with the hash. Accepts a password of any length and content (the length
// limit of 1024 bytes belongs to password_policy_problem, applied when a password is set).
// Throws std::invalid_argument for parameters outside argon2's minima or the limits above,
// std::runtime_error when no randomness is available.
std::string hash_password(std::string_view password, const Argon2Params& params = {});

// True when `password` matches the encoded hash, whose own parameters are used. False for a
// wrong password and for anything that is not a well-formed argon2id v=19 hash within the
// limits above (empty, truncated, another variant, a NUL inside); never throws.
bool verify_password(std::string_view password, std::string_view encoded) noexcept;

// The parameters of a well-formed "$argon2id$v=19$m=..,t=..,p=..$..." prefix, else nullopt.
std::optional<Argon2Params> parse_argon2id_params(std::string_view encoded);

// True when the stored hash should be replaced at the next successful login: its memory or pass
// count is below `current`, or it is not an argon2id v=19 hash at all. Fewer lanes are not weaker.
bool needs_rehash(std::string_view encoded, const Argon2Params& current = {});

// The same work as one verify_password against a hash made with `params`, for a login whose user
// does not exist, so that its response time does not reveal that. Always returns false.
bool verify_against_dummy(std::string_view password, const Argon2Params& params = {}) noexcept;

}  // namespace companion::auth
