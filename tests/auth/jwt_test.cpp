#include "auth/jwt.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/base64url.hpp"

namespace companion::auth {
namespace {

using config::JwtAlgorithm;

constexpr std::int64_t now = 1'700'000'000;
constexpr std::string_view secret = "a-test-secret-of-32-characters!!";
constexpr std::string_view hs256_header = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view url_safe_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

JwtClaims valid_claims() {
    return JwtClaims{"user-1", "jti-1", now, now + 3600, std::nullopt, std::nullopt};
}

JwtCodec codec(JwtAlgorithm algorithm = JwtAlgorithm::HS256) {
    return JwtCodec(algorithm, std::string(secret));
}

std::string payload_json(std::string_view extra = "") {
    return R"({"sub":"user-1","jti":"jti-1","iat":)" + std::to_string(now) + R"(,"exp":)" +
           std::to_string(now + 3600) + std::string(extra) + "}";
}

const EVP_MD* digest_of(JwtAlgorithm algorithm) {
    switch (algorithm) {
        case JwtAlgorithm::HS256:
            return EVP_sha256();
        case JwtAlgorithm::HS384:
            return EVP_sha384();
        case JwtAlgorithm::HS512:
            return EVP_sha512();
    }
    throw std::invalid_argument("algorithm");
}

// Signs already encoded parts, so that tests can craft tokens the codec would never issue.
std::string sign_parts(std::string_view header_b64, std::string_view payload_b64,
                       JwtAlgorithm algorithm = JwtAlgorithm::HS256,
                       std::string_view key = secret) {
    const std::string input = std::string(header_b64) + '.' + std::string(payload_b64);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    HMAC(digest_of(algorithm), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), &length);
    return input + '.' + base64url_encode({reinterpret_cast<const char*>(mac.data()), length});
}

std::string sign_json(std::string_view header, std::string_view payload,
                      JwtAlgorithm algorithm = JwtAlgorithm::HS256) {
    return sign_parts(base64url_encode(header), base64url_encode(payload), algorithm);
}

std::string token_with_payload(std::string_view payload) {
    return sign_json(hs256_header, payload);
}

std::string part(std::string_view token, std::size_t index) {
    for (std::size_t i = 0; i < index; ++i) token.remove_prefix(token.find('.') + 1);
    return std::string(token.substr(0, token.find('.')));
}

// The HMAC of the signing input by the openssl command-line tool, as base64url.
std::string openssl_cli_signature(const std::string& signing_input, std::string_view sha,
                                  std::string_view key) {
    const std::string command = "printf '%s' '" + signing_input + "' | openssl dgst -" +
                                std::string(sha) + " -hmac '" + std::string(key) +
                                "' -binary | base64 -w 0";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed");
    std::string output;
    std::array<char, 256> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
        output.append(buffer.data(), n);
    }
    if (pclose(pipe) != 0) throw std::runtime_error("openssl dgst failed: " + command);
    std::replace(output.begin(), output.end(), '+', '-');
    std::replace(output.begin(), output.end(), '/', '_');
    output.erase(output.find_last_not_of("=\n") + 1);
    return output;
}

void expect_rejected(const JwtVerification& result, JwtRejection expected) {
    EXPECT_FALSE(result.claims.has_value());
    ASSERT_TRUE(result.rejection.has_value());
    EXPECT_EQ(to_string(*result.rejection), to_string(expected));
}

void expect_rejected(std::string_view token, JwtRejection expected,
                     JwtAlgorithm algorithm = JwtAlgorithm::HS256) {
    SCOPED_TRACE(token.substr(0, 200));
    expect_rejected(codec(algorithm).verify(token, now), expected);
}

void expect_accepted(std::string_view token, std::int64_t at = now) {
    SCOPED_TRACE(token.substr(0, 200));
    const auto result = codec().verify(token, at);
    EXPECT_TRUE(result.claims.has_value());
    EXPECT_FALSE(result.rejection.has_value()) << to_string(*result.rejection);
}

TEST(Jwt, RoundTripsClaimsWithEachAlgorithm) {
    for (auto algorithm : {JwtAlgorithm::HS256, JwtAlgorithm::HS384, JwtAlgorithm::HS512}) {
        SCOPED_TRACE(config::to_string(algorithm));
        JwtClaims claims{"0193-user", JwtCodec::new_jti(), now - 5, now + 86400, now - 5,
                         1'790'000'000'123'456};
        const auto result = codec(algorithm).verify(codec(algorithm).sign(claims), now);
        ASSERT_TRUE(result.claims.has_value());
        EXPECT_FALSE(result.rejection.has_value());
        EXPECT_EQ(result.claims->sub, claims.sub);
        EXPECT_EQ(result.claims->jti, claims.jti);
        EXPECT_EQ(result.claims->iat, claims.iat);
        EXPECT_EQ(result.claims->exp, claims.exp);
        EXPECT_EQ(result.claims->nbf, claims.nbf);
        EXPECT_EQ(result.claims->pwc, claims.pwc);
    }
}

TEST(Jwt, SignWritesTheStandardHeaderAndOmitsAnUnsetNbf) {
    for (auto algorithm : {JwtAlgorithm::HS256, JwtAlgorithm::HS384, JwtAlgorithm::HS512}) {
        const std::string token = codec(algorithm).sign(valid_claims());
        EXPECT_EQ(base64url_decode(part(token, 0)),
                  R"({"alg":")" + std::string(config::to_string(algorithm)) + R"(","typ":"JWT"})");
    }
    const std::string token = codec().sign(valid_claims());
    EXPECT_EQ(base64url_decode(part(token, 1)), payload_json());
    EXPECT_FALSE(codec().verify(token, now).claims->nbf.has_value());
}

TEST(Jwt, SignatureMatchesTheOpensslCommandLineTool) {
    const std::array<std::string_view, 3> shas = {"sha256", "sha384", "sha512"};
    for (auto algorithm : {JwtAlgorithm::HS256, JwtAlgorithm::HS384, JwtAlgorithm::HS512}) {
        const std::string token = codec(algorithm).sign(valid_claims());
        const std::string input = token.substr(0, token.rfind('.'));
        const auto sha = shas.at(static_cast<std::size_t>(algorithm));
        EXPECT_EQ(part(token, 2), openssl_cli_signature(input, sha, secret)) << sha;
    }
}

TEST(Jwt, AcceptsATokenSignedByTheOpensslCommandLineTool) {
    const std::string input =
        base64url_encode(hs256_header) + '.' + base64url_encode(payload_json());
    const std::string token = input + '.' + openssl_cli_signature(input, "sha256", secret);
    expect_accepted(token);
}

TEST(Jwt, AcceptsTheSignatureOfTheRfc7515Example) {
    // RFC 7515 A.1: a valid HS256 signature; its payload lacks sub, jti and iat.
    const std::string key = *base64url_decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
    const std::string token =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290"
        "Ijp0cnVlfQ."
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const JwtCodec rfc_codec(JwtAlgorithm::HS256, key);
    expect_rejected(rfc_codec.verify(token, 1300819000), JwtRejection::missing_claim);
    std::string tampered = token;
    tampered[tampered.rfind('.') + 1] = 'e';
    expect_rejected(rfc_codec.verify(tampered, 1300819000), JwtRejection::bad_signature);
}

TEST(Jwt, RejectsAlgNoneWithAnEmptySignature) {
    const std::string payload = base64url_encode(payload_json());
    for (std::string_view header : {R"({"alg":"none"})", R"({"alg":"none","typ":"JWT"})",
                                    R"({"alg":"None"})", R"({"alg":"NONE"})"}) {
        expect_rejected(base64url_encode(header) + '.' + payload + '.',
                        JwtRejection::unsupported_algorithm);
    }
}

TEST(Jwt, RejectsAlgNoneEvenWithAValidHmacSignature) {
    expect_rejected(sign_json(R"({"alg":"none"})", payload_json()),
                    JwtRejection::unsupported_algorithm);
}

TEST(Jwt, RejectsAlgorithmNamesThatAreNotExactlyOurs) {
    for (std::string_view header :
         {R"({"alg":"hs256"})", R"({"alg":"HS256 "})", R"({"alg":"RS256"})", R"({"alg":"ES256"})",
          R"({"alg":"PS256"})", R"({"alg":""})", R"({"typ":"JWT"})", R"({})"}) {
        expect_rejected(sign_json(header, payload_json()), JwtRejection::unsupported_algorithm);
    }
}

TEST(Jwt, RejectsANonStringAlgorithmAsMalformed) {
    for (std::string_view header : {R"({"alg":256})", R"({"alg":null})", R"({"alg":["HS256"]})"}) {
        expect_rejected(sign_json(header, payload_json()), JwtRejection::malformed);
    }
}

TEST(Jwt, RejectsATokenSignedWithHs512WhenHs256IsConfigured) {
    const std::string token = codec(JwtAlgorithm::HS512).sign(valid_claims());
    expect_rejected(token, JwtRejection::wrong_algorithm, JwtAlgorithm::HS256);
    expect_rejected(codec(JwtAlgorithm::HS256).sign(valid_claims()), JwtRejection::wrong_algorithm,
                    JwtAlgorithm::HS384);
}

TEST(Jwt, RejectsAnHs256HeaderOverAnHs512Signature) {
    expect_rejected(sign_json(hs256_header, payload_json(), JwtAlgorithm::HS512),
                    JwtRejection::bad_signature);
}

TEST(Jwt, RejectsATokenSignedWithAnotherSecret) {
    const JwtCodec other(JwtAlgorithm::HS256, "another-secret-of-32-characters!");
    expect_rejected(other.sign(valid_claims()), JwtRejection::bad_signature);
}

TEST(Jwt, RejectsAModifiedPayloadWithTheOldSignature) {
    const std::string token = codec().sign(valid_claims());
    JwtClaims admin = valid_claims();
    admin.sub = "user-2";
    const std::string forged =
        part(token, 0) + '.' + part(codec().sign(admin), 1) + '.' + part(token, 2);
    expect_rejected(forged, JwtRejection::bad_signature);
}

TEST(Jwt, RejectsAModifiedHeaderWithTheOldSignature) {
    const std::string token = codec().sign(valid_claims());
    const std::string forged = base64url_encode(R"({"alg":"HS256","typ":"JWT","kid":"1"})") +
                               token.substr(token.find('.'));
    expect_rejected(forged, JwtRejection::bad_signature);
}

TEST(Jwt, RejectsAnAlteredTruncatedOrEmptySignature) {
    const std::string token = codec().sign(valid_claims());
    std::string altered = token;
    char& first = altered[altered.rfind('.') + 1];
    first = first == 'A' ? 'B' : 'A';
    expect_rejected(altered, JwtRejection::bad_signature);
    expect_rejected(token.substr(0, token.size() - 11), JwtRejection::bad_signature);
    expect_rejected(token.substr(0, token.rfind('.') + 1), JwtRejection::bad_signature);
}

TEST(Jwt, RejectsASignatureWithNonCanonicalTrailingBits) {
    // 32 bytes leave 2 unused bits in the last character: flipping one keeps the same bytes.
    const std::string token = codec().sign(valid_claims());
    std::string altered = token;
    const auto index = url_safe_alphabet.find(altered.back());
    altered.back() = url_safe_alphabet[index ^ 1];
    expect_rejected(altered, JwtRejection::malformed);
}

TEST(Jwt, RejectsACritHeader) {
    expect_rejected(sign_json(R"({"alg":"HS256","crit":["exp"],"exp":1})", payload_json()),
                    JwtRejection::malformed);
}

TEST(Jwt, RejectsATypOtherThanJwt) {
    expect_rejected(sign_json(R"({"alg":"HS256","typ":"at+jwt"})", payload_json()),
                    JwtRejection::malformed);
    expect_rejected(sign_json(R"({"alg":"HS256","typ":1})", payload_json()),
                    JwtRejection::malformed);
    expect_accepted(sign_json(R"({"alg":"HS256"})", payload_json()));
    expect_accepted(sign_json(R"({"alg":"HS256","typ":"jwt"})", payload_json()));
}

TEST(Jwt, TakesTheLastOfDuplicateHeaderKeys) {
    expect_rejected(sign_json(R"({"alg":"HS256","alg":"none"})", payload_json()),
                    JwtRejection::unsupported_algorithm);
}

TEST(Jwt, RejectsAnExpiredToken) {
    JwtClaims claims = valid_claims();
    claims.iat = now - 7200;
    claims.exp = now - 3600;
    expect_rejected(codec().sign(claims), JwtRejection::expired);
}

TEST(Jwt, ARememberedTokenIsStillCheckedForTimeAndATamperedCopyIsNot) {
    const JwtCodec one(JwtAlgorithm::HS256, std::string(secret), std::chrono::seconds(0));
    JwtClaims claims = valid_claims();
    claims.exp = now + 10;
    const auto token = one.sign(claims);
    EXPECT_TRUE(one.verify(token, now).claims);
    EXPECT_TRUE(one.verify(token, now).claims);
    EXPECT_EQ(one.verify(token, now + 10).rejection, JwtRejection::expired);
    auto tampered = token;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(one.verify(tampered, now).claims);
    EXPECT_TRUE(one.verify(token, now).claims);
}

TEST(Jwt, RejectsATokenWhoseNbfIsInTheFuture) {
    JwtClaims claims = valid_claims();
    claims.nbf = now + 600;
    expect_rejected(codec().sign(claims), JwtRejection::not_yet_valid);
}

TEST(Jwt, RejectsATokenIssuedInTheFuture) {
    JwtClaims claims = valid_claims();
    claims.iat = now + 600;
    expect_rejected(codec().sign(claims), JwtRejection::not_yet_valid);
}

TEST(Jwt, HonoursTheLeewayAtEachTimeBoundary) {
    const JwtCodec lenient(JwtAlgorithm::HS256, std::string(secret), std::chrono::seconds(30));
    JwtClaims claims = valid_claims();
    claims.exp = now - 29;
    EXPECT_TRUE(lenient.verify(lenient.sign(claims), now).claims);
    claims.exp = now - 30;
    expect_rejected(lenient.verify(lenient.sign(claims), now), JwtRejection::expired);
    claims = valid_claims();
    claims.nbf = now + 30;
    EXPECT_TRUE(lenient.verify(lenient.sign(claims), now).claims);
    claims.nbf = now + 31;
    expect_rejected(lenient.verify(lenient.sign(claims), now), JwtRejection::not_yet_valid);
    claims = valid_claims();
    claims.iat = now + 30;
    EXPECT_TRUE(lenient.verify(lenient.sign(claims), now).claims);
    claims.iat = now + 31;
    expect_rejected(lenient.verify(lenient.sign(claims), now), JwtRejection::not_yet_valid);
}

TEST(Jwt, WithoutLeewayExpIsExclusiveAndNbfInclusive) {
    const JwtCodec strict(JwtAlgorithm::HS256, std::string(secret), std::chrono::seconds(0));
    JwtClaims claims = valid_claims();
    claims.exp = now + 1;
    claims.nbf = now;
    EXPECT_TRUE(strict.verify(strict.sign(claims), now).claims);
    claims.exp = now;
    expect_rejected(strict.verify(strict.sign(claims), now), JwtRejection::expired);
}

TEST(Jwt, RejectsMissingRequiredClaims) {
    const std::string iat = R"("iat":)" + std::to_string(now);
    const std::string exp = R"("exp":)" + std::to_string(now + 3600);
    const std::vector<std::string> payloads = {R"({"jti":"j",)" + iat + ',' + exp + '}',
                                               R"({"sub":"u",)" + iat + ',' + exp + '}',
                                               R"({"sub":"u","jti":"j",)" + exp + '}',
                                               R"({"sub":"u","jti":"j",)" + iat + '}',
                                               R"({"sub":"","jti":"j",)" + iat + ',' + exp + '}',
                                               R"({"sub":"u","jti":"",)" + iat + ',' + exp + '}',
                                               "{}"};
    for (const std::string& payload : payloads) {
        expect_rejected(token_with_payload(payload), JwtRejection::missing_claim);
    }
}

TEST(Jwt, RejectsClaimsOfTheWrongType) {
    const std::string iat = R"("iat":)" + std::to_string(now);
    const std::string claims = R"({"sub":"u","jti":"j",)" + iat;
    const std::vector<std::string> payloads = {
        R"({"sub":1,"jti":"j","iat":1,"exp":1})",
        R"({"sub":"u","jti":null,"iat":1,"exp":1})",
        R"({"sub":["u"],"jti":"j","iat":1,"exp":1})",
        claims + R"(,"exp":"2000000000"})",
        claims + R"(,"exp":2000000000.5})",
        claims + R"(,"exp":2000000000.0})",
        claims + R"(,"exp":2e9})",
        claims + R"(,"exp":true})",
        claims + R"(,"exp":18446744073709551615})",
        claims + R"(,"exp":2000000000,"nbf":"0"})",
        R"({"sub":"u","jti":"j","iat":"1","exp":2000000000})"};
    for (const std::string& payload : payloads) {
        expect_rejected(token_with_payload(payload), JwtRejection::malformed);
    }
}

TEST(Jwt, RejectsHeaderOrPayloadThatIsNotAJsonObject) {
    for (std::string_view json : {"[]", "\"x\"", "null", "42", "{", R"({"alg":"HS256"} x)",
                                  R"({"alg":"HS256",})", R"({/*c*/"alg":"HS256"})", "", "\xff"}) {
        expect_rejected(sign_json(json, payload_json()), JwtRejection::malformed);
        expect_rejected(sign_json(hs256_header, json), JwtRejection::malformed);
    }
}

TEST(Jwt, RejectsInvalidUtf8InThePayload) {
    expect_rejected(token_with_payload(payload_json(R"(,"name":")"
                                                    "\xc3\x28"
                                                    R"(")")),
                    JwtRejection::malformed);
}

TEST(Jwt, RejectsGarbage) {
    for (std::string_view token : {"", "garbage", ".", "..", "...", "a.b.c", "$.$.$", "eyJ.eyJ.",
                                   "\xe2\x82\xac.\xe2\x82\xac.\xe2\x82\xac"}) {
        expect_rejected(token, JwtRejection::malformed);
    }
}

TEST(Jwt, RejectsTwoAndFourPartTokens) {
    const std::string token = codec().sign(valid_claims());
    expect_rejected(token.substr(0, token.rfind('.')), JwtRejection::malformed);
    expect_rejected(token + '.', JwtRejection::malformed);
    expect_rejected(token + '.' + part(token, 2), JwtRejection::malformed);
}

TEST(Jwt, RejectsPaddingCharacters) {
    const std::string header = base64url_encode(R"({"alg":"HS256", "typ":"JWT"})");
    const std::string payload = base64url_encode(payload_json());
    ASSERT_NE(header.size() % 4, 0U);
    ASSERT_NE(payload.size() % 4, 0U);
    const std::string header_padding((4 - header.size() % 4) % 4, '=');
    const std::string payload_padding((4 - payload.size() % 4) % 4, '=');
    expect_rejected(sign_parts(header + header_padding, payload), JwtRejection::malformed);
    expect_rejected(sign_parts(header, payload + payload_padding), JwtRejection::malformed);
    expect_rejected(sign_parts(header, payload) + '=', JwtRejection::malformed);
}

TEST(Jwt, RejectsTheStandardBase64Alphabet) {
    const std::string token = codec().sign(valid_claims());
    std::string altered = token;
    char& first = altered[altered.rfind('.') + 1];
    first = '+';
    expect_rejected(altered, JwtRejection::malformed);
    first = '/';
    expect_rejected(altered, JwtRejection::malformed);
}

TEST(Jwt, RejectsATokenOver8KiBEvenWhenValidlySigned) {
    const std::string big =
        token_with_payload(payload_json(R"(,"pad":")" + std::string(6900, 'x') + '"'));
    ASSERT_GT(big.size(), 9 * 1024U);
    expect_rejected(big, JwtRejection::malformed);
    const std::string below =
        token_with_payload(payload_json(R"(,"pad":")" + std::string(5800, 'x') + '"'));
    ASSERT_LT(below.size(), 8 * 1024U);
    expect_accepted(below);
}

TEST(Jwt, NewJtiIsUniqueUrlSafeAnd128Bits) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string jti = JwtCodec::new_jti();
        ASSERT_EQ(jti.size(), 22U);
        EXPECT_EQ(jti.find_first_not_of(url_safe_alphabet), std::string::npos) << jti;
        EXPECT_EQ(base64url_decode(jti)->size(), 16U);
        EXPECT_TRUE(seen.insert(jti).second) << jti;
    }
}

TEST(Jwt, ConstructorRefusesAnEmptySecretAndANegativeLeeway) {
    EXPECT_THROW(JwtCodec(JwtAlgorithm::HS256, ""), std::invalid_argument);
    try {
        JwtCodec(JwtAlgorithm::HS256, "s3cret-value", std::chrono::seconds(-1));
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& error) {
        EXPECT_EQ(std::string(error.what()).find("s3cret-value"), std::string::npos);
    }
}

TEST(Jwt, SignRefusesClaimsThatVerifyWouldReject) {
    JwtClaims claims = valid_claims();
    claims.sub.clear();
    EXPECT_THROW(codec().sign(claims), std::invalid_argument);
    claims = valid_claims();
    claims.jti.clear();
    EXPECT_THROW(codec().sign(claims), std::invalid_argument);
}

TEST(Jwt, RejectionNamesAreStableSnakeCase) {
    EXPECT_EQ(to_string(JwtRejection::malformed), "malformed");
    EXPECT_EQ(to_string(JwtRejection::unsupported_algorithm), "unsupported_algorithm");
    EXPECT_EQ(to_string(JwtRejection::wrong_algorithm), "wrong_algorithm");
    EXPECT_EQ(to_string(JwtRejection::bad_signature), "bad_signature");
    EXPECT_EQ(to_string(JwtRejection::expired), "expired");
    EXPECT_EQ(to_string(JwtRejection::not_yet_valid), "not_yet_valid");
    EXPECT_EQ(to_string(JwtRejection::missing_claim), "missing_claim");
}

}  // namespace
}  // namespace companion::auth
