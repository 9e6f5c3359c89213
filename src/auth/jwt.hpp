// JSON Web Tokens (RFC 7519) signed with HMAC (HS256/HS384/HS512): signing and strict verification.
// Verification checks the token itself (algorithm, signature, claims, time); whether its user
// still exists and whether it was issued (iat) before the user's last password change is for the
// caller to check against the store, with the sub and pwc it returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/settings.hpp"  // config::JwtAlgorithm, the JWT_ALGORITHM setting

namespace companion::auth {

struct JwtClaims {
    std::string sub;                  // the user id
    std::string jti;                  // unique token id (new_jti), e.g. for revocation lists
    std::int64_t iat = 0;             // issued at, seconds since the epoch
    std::int64_t exp = 0;             // expires at, seconds since the epoch
    std::optional<std::int64_t> nbf;  // not valid before, seconds since the epoch
    // Private claim "pwc": the user's password_changed_at in microseconds when the token was
    // issued. A token is valid only while it equals the user's current value, so a password
    // change ends every older token, even one issued within the same second.
    std::optional<std::int64_t> pwc;
};

// Why a token was refused. to_string gives a stable snake_case name for logs and the audit log;
// none of them tells a client more than "invalid token".
enum class JwtRejection {
    malformed,              // not three base64url parts of JSON objects, over 8 KiB, bad types,
                            // a crit header, a typ other than JWT
    unsupported_algorithm,  // alg is not HS256/HS384/HS512 ("none", "hs256", "RS256", missing)
    wrong_algorithm,        // alg is one of ours but not the configured one
    bad_signature,
    expired,        // exp is in the past by more than the leeway
    not_yet_valid,  // nbf or iat is in the future by more than the leeway
    missing_claim,  // sub, jti, iat or exp absent (or sub/jti empty)
};

std::string_view to_string(JwtRejection rejection);

// Exactly one of the two is set.
struct JwtVerification {
    std::optional<JwtClaims> claims;
    std::optional<JwtRejection> rejection;
};

class JwtCodec {
  public:
    // Throws std::invalid_argument for an empty secret or a negative leeway.
    JwtCodec(config::JwtAlgorithm algorithm, std::string secret,
             std::chrono::seconds leeway = std::chrono::seconds(30));

    // header {"alg":"<algorithm>","typ":"JWT"}; payload sub, jti, iat, exp and nbf when set.
    // Throws std::invalid_argument for an empty sub or jti (verify would refuse such a token).
    std::string sign(const JwtClaims& claims) const;

    // Never throws for a bad token: the rejection says why it was refused. Tokens whose signature
    // checked out are remembered (bounded), so that a client's next request skips the HMAC and
    // the JSON parsing; the time checks run every time.
    JwtVerification verify(std::string_view token, std::int64_t now_seconds) const;

    // 128 random bits (RAND_bytes) as 22 base64url characters.
    static std::string new_jti();

    config::JwtAlgorithm algorithm() const { return algorithm_; }

    ~JwtCodec();
    JwtCodec(JwtCodec&&) noexcept;

  private:
    struct VerifiedTokens;

    std::string signature(std::string_view signing_input) const;
    JwtVerification verify_uncached(std::string_view token) const;

    config::JwtAlgorithm algorithm_;
    std::string secret_;
    std::int64_t leeway_seconds_;
    std::unique_ptr<VerifiedTokens> verified_;
};

}  // namespace companion::auth
