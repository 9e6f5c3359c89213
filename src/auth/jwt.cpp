#include "auth/jwt.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <boost/json.hpp>

#include "auth/base64url.hpp"

namespace companion::auth {
namespace {

namespace json = boost::json;

constexpr std::size_t max_token_bytes = 8 * 1024;
constexpr std::size_t jti_bytes = 16;

constexpr std::array<std::string_view, 7> rejection_names = {
    "malformed", "unsupported_algorithm", "wrong_algorithm", "bad_signature",
    "expired",   "not_yet_valid",         "missing_claim"};

constexpr std::array<config::JwtAlgorithm, 3> hmac_algorithms = {
    config::JwtAlgorithm::HS256, config::JwtAlgorithm::HS384, config::JwtAlgorithm::HS512};

struct TokenParts {
    std::string_view header;
    std::string_view payload;
    std::string_view signature;
    std::string_view signing_input;  // header.payload, what the signature covers
};

JwtVerification reject(JwtRejection rejection) {
    return {std::nullopt, rejection};
}

const EVP_MD* digest_of(config::JwtAlgorithm algorithm) {
    switch (algorithm) {
        case config::JwtAlgorithm::HS256:
            return EVP_sha256();
        case config::JwtAlgorithm::HS384:
            return EVP_sha384();
        case config::JwtAlgorithm::HS512:
            return EVP_sha512();
    }
    throw std::invalid_argument("JwtCodec: unknown JWT algorithm");
}

// Exactly three dot-separated parts; empty parts are left for the decoders to refuse.
std::optional<TokenParts> split_token(std::string_view token) {
    if (std::count(token.begin(), token.end(), '.') != 2) return std::nullopt;
    const auto first_dot = token.find('.');
    const auto second_dot = token.find('.', first_dot + 1);
    return TokenParts{token.substr(0, first_dot),
                      token.substr(first_dot + 1, second_dot - first_dot - 1),
                      token.substr(second_dot + 1), token.substr(0, second_dot)};
}

// Strict JSON (no comments, no trailing commas, valid UTF-8, nothing after the value). Boost.JSON
// 1.81 keeps the last of duplicate keys, which RFC 7515 §5.2 allows.
std::optional<json::object> decode_json_object(std::string_view part) {
    const auto text = base64url_decode(part);
    if (!text) return std::nullopt;
    boost::system::error_code error;
    json::value value = json::parse(*text, error);
    if (error || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

std::optional<JwtRejection> check_algorithm(const json::object& header,
                                            config::JwtAlgorithm configured) {
    const json::value* alg = header.if_contains("alg");
    if (alg == nullptr) return JwtRejection::unsupported_algorithm;
    if (!alg->is_string()) return JwtRejection::malformed;
    const std::string_view name = alg->get_string();
    if (name == config::to_string(configured)) return std::nullopt;
    const bool ours = std::any_of(hmac_algorithms.begin(), hmac_algorithms.end(),
                                  [name](auto other) { return name == config::to_string(other); });
    return ours ? JwtRejection::wrong_algorithm : JwtRejection::unsupported_algorithm;
}

// Algorithm first, then what this service never issues: a crit header (extensions it would have to
// understand) and a typ other than JWT (another kind of token signed with the same key).
std::optional<JwtRejection> check_header(const json::object& header,
                                         config::JwtAlgorithm configured) {
    if (auto rejection = check_algorithm(header, configured)) return rejection;
    if (header.contains("crit")) return JwtRejection::malformed;
    if (const json::value* typ = header.if_contains("typ")) {
        if (!typ->is_string() || !equals_ignoring_case(typ->get_string(), "JWT")) {
            return JwtRejection::malformed;
        }
    }
    return std::nullopt;
}

std::optional<JwtRejection> read_string(const json::object& payload, std::string_view name,
                                        std::string& out) {
    const json::value* value = payload.if_contains(name);
    if (value == nullptr) return JwtRejection::missing_claim;
    if (!value->is_string()) return JwtRejection::malformed;
    if (value->get_string().empty()) return JwtRejection::missing_claim;
    out = value->get_string();
    return std::nullopt;
}

// An integer within int64; 1.5, 1e3, 1.0 (doubles to Boost.JSON) and larger integers are refused.
std::optional<JwtRejection> read_integer(const json::object& payload, std::string_view name,
                                         std::optional<std::int64_t>& out) {
    const json::value* value = payload.if_contains(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_int64()) return JwtRejection::malformed;
    out = value->get_int64();
    return std::nullopt;
}

JwtVerification read_claims(const json::object& payload) {
    JwtClaims claims;
    std::optional<std::int64_t> iat;
    std::optional<std::int64_t> exp;
    for (auto rejection :
         {read_string(payload, "sub", claims.sub), read_string(payload, "jti", claims.jti),
          read_integer(payload, "iat", iat), read_integer(payload, "exp", exp),
          read_integer(payload, "nbf", claims.nbf), read_integer(payload, "pwc", claims.pwc)}) {
        if (rejection) return reject(*rejection);
    }
    if (!iat || !exp) return reject(JwtRejection::missing_claim);
    claims.iat = *iat;
    claims.exp = *exp;
    return {std::move(claims), std::nullopt};
}

// exp is exclusive (RFC 7519 §4.1.4), nbf inclusive; the leeway absorbs clock skew between
// replicas. Only now_seconds is shifted, so no claim value can overflow the arithmetic.
std::optional<JwtRejection> check_time(const JwtClaims& claims, std::int64_t now,
                                       std::int64_t leeway) {
    if (claims.exp <= now - leeway) return JwtRejection::expired;
    if (claims.nbf && *claims.nbf > now + leeway) return JwtRejection::not_yet_valid;
    if (claims.iat > now + leeway) return JwtRejection::not_yet_valid;
    return std::nullopt;
}

bool same_bytes(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string_view to_string(JwtRejection rejection) {
    return rejection_names.at(static_cast<std::size_t>(rejection));
}

// Signature-checked tokens and their claims. Bounded: a full map starts over.
struct JwtCodec::VerifiedTokens {
    static constexpr std::size_t max_entries = 10000;
    std::mutex mutex;
    std::unordered_map<std::string, JwtClaims> claims;
};

JwtCodec::~JwtCodec() = default;
JwtCodec::JwtCodec(JwtCodec&&) noexcept = default;

JwtCodec::JwtCodec(config::JwtAlgorithm algorithm, std::string secret, std::chrono::seconds leeway)
    : algorithm_(algorithm),
      secret_(std::move(secret)),
      leeway_seconds_(leeway.count()),
      verified_(std::make_unique<VerifiedTokens>()) {
    digest_of(algorithm_);  // throws for a value outside the enum
    if (secret_.empty()) throw std::invalid_argument("JwtCodec: the secret is empty");
    if (secret_.size() > static_cast<std::size_t>(INT_MAX)) {
        throw std::invalid_argument("JwtCodec: the secret is too long");
    }
    if (leeway_seconds_ < 0) throw std::invalid_argument("JwtCodec: the leeway is negative");
}

std::string JwtCodec::sign(const JwtClaims& claims) const {
    if (claims.sub.empty()) throw std::invalid_argument("JwtCodec::sign: sub is empty");
    if (claims.jti.empty()) throw std::invalid_argument("JwtCodec::sign: jti is empty");
    const json::object header{{"alg", config::to_string(algorithm_)}, {"typ", "JWT"}};
    json::object payload{
        {"sub", claims.sub}, {"jti", claims.jti}, {"iat", claims.iat}, {"exp", claims.exp}};
    if (claims.nbf) payload["nbf"] = *claims.nbf;
    if (claims.pwc) payload["pwc"] = *claims.pwc;
    const std::string signing_input = base64url_encode(json::serialize(header)) + '.' +
                                      base64url_encode(json::serialize(payload));
    return signing_input + '.' + base64url_encode(signature(signing_input));
}

JwtVerification JwtCodec::verify(std::string_view token, std::int64_t now_seconds) const {
    if (token.size() > max_token_bytes) return reject(JwtRejection::malformed);
    std::optional<JwtClaims> known;
    {
        std::lock_guard lock(verified_->mutex);
        const auto found = verified_->claims.find(std::string(token));
        if (found != verified_->claims.end()) known = found->second;
    }
    JwtVerification result;
    if (known) {
        result.claims = std::move(known);
    } else {
        result = verify_uncached(token);
        if (result.rejection) return result;
        std::lock_guard lock(verified_->mutex);
        if (verified_->claims.size() >= VerifiedTokens::max_entries) verified_->claims.clear();
        verified_->claims.emplace(std::string(token), *result.claims);
    }
    if (auto rejection = check_time(*result.claims, now_seconds, leeway_seconds_)) {
        return reject(*rejection);
    }
    return result;
}

// Everything but the time checks.
JwtVerification JwtCodec::verify_uncached(std::string_view token) const {
    const auto parts = split_token(token);
    if (!parts) return reject(JwtRejection::malformed);
    const auto header = decode_json_object(parts->header);
    if (!header) return reject(JwtRejection::malformed);
    if (auto rejection = check_header(*header, algorithm_)) return reject(*rejection);
    const auto mac = base64url_decode(parts->signature);
    if (!mac) return reject(JwtRejection::malformed);
    if (!same_bytes(*mac, signature(parts->signing_input))) {
        return reject(JwtRejection::bad_signature);
    }
    // The payload is only read once it is known to be ours.
    const auto payload = decode_json_object(parts->payload);
    if (!payload) return reject(JwtRejection::malformed);
    return read_claims(*payload);
}

std::string JwtCodec::new_jti() {
    std::array<unsigned char, jti_bytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    return base64url_encode({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

std::string JwtCodec::signature(std::string_view signing_input) const {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    const unsigned char* result =
        HMAC(digest_of(algorithm_), secret_.data(), static_cast<int>(secret_.size()),
             reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
             mac.data(), &length);
    if (result == nullptr) throw std::runtime_error("HMAC failed");
    return {reinterpret_cast<const char*>(mac.data()), length};
}

}  // namespace companion::auth
