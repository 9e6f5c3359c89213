#include "config/url.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace companion::config {
namespace {

TEST(UrlScheme, IsTheLowercasedNameBeforeColonSlashSlash) {
    EXPECT_EQ(url_scheme("HTTP://example.com"), "http");
    EXPECT_EQ(url_scheme("postgresql+asyncpg://u@h/db"), "postgresql+asyncpg");
    EXPECT_EQ(url_scheme("x-my.scheme://h"), "x-my.scheme");
}

TEST(UrlScheme, IsEmptyWithoutAValidSchemeAndColonSlashSlash) {
    EXPECT_EQ(url_scheme("localhost:1234"), "");
    EXPECT_EQ(url_scheme("mailto:someone@example.com"), "");
    EXPECT_EQ(url_scheme("://host"), "");
    EXPECT_EQ(url_scheme("1http://host"), "");
    EXPECT_EQ(url_scheme("ht tp://host"), "");
    EXPECT_EQ(url_scheme(""), "");
}

TEST(HasSpaceOrControl, FindsSpacesControlCharactersAndDelete) {
    EXPECT_TRUE(has_space_or_control("a b"));
    EXPECT_TRUE(has_space_or_control("a\tb"));
    EXPECT_TRUE(has_space_or_control("ab\n"));
    EXPECT_TRUE(has_space_or_control(std::string("a\0b", 3)));
    EXPECT_TRUE(has_space_or_control("a\x7f"));
}

TEST(HasSpaceOrControl, AcceptsPrintableAsciiAndUtf8) {
    EXPECT_FALSE(has_space_or_control(""));
    EXPECT_FALSE(has_space_or_control("http://u:p@h:80/a?b=c#d"));
    EXPECT_FALSE(has_space_or_control("h\xc3\xa9llo"));
}

TEST(UrlHasHost, AcceptsHostWithOptionalPortUserInfoPathQueryAndFragment) {
    EXPECT_TRUE(url_has_host("http://localhost"));
    EXPECT_TRUE(url_has_host("http://localhost:1234/v1"));
    EXPECT_TRUE(url_has_host("http://user:pw@host:80/x"));
    EXPECT_TRUE(url_has_host("http://[::1]:8080/"));
    EXPECT_TRUE(url_has_host("http://host?x=1"));
    EXPECT_TRUE(url_has_host("http://host#top"));
}

TEST(UrlHasHost, RejectsAMissingHost) {
    EXPECT_FALSE(url_has_host("http://"));
    EXPECT_FALSE(url_has_host("http:///path"));
    EXPECT_FALSE(url_has_host("http://user@/path"));
    EXPECT_FALSE(url_has_host("http://:80"));
    EXPECT_FALSE(url_has_host("http://[]:80"));
}

TEST(UrlHasHost, RejectsPortsOutside1To65535AndNonDigits) {
    EXPECT_TRUE(url_has_host("http://host:1"));
    EXPECT_TRUE(url_has_host("http://host:65535"));
    EXPECT_FALSE(url_has_host("http://host:0"));
    EXPECT_FALSE(url_has_host("http://host:65536"));
    EXPECT_FALSE(url_has_host("http://host:"));
    EXPECT_FALSE(url_has_host("http://host:abc"));
    EXPECT_FALSE(url_has_host("http://host:-1"));
}

TEST(UrlHasHost, RejectsUnbalancedBracketsAndSpaces) {
    EXPECT_FALSE(url_has_host("http://[::1/"));
    EXPECT_FALSE(url_has_host("http://::1]/"));
    EXPECT_FALSE(url_has_host("http://ho st/"));
    EXPECT_FALSE(url_has_host("http://host/a b"));
}

TEST(IsOrigin, AcceptsSchemeHostAndOptionalPort) {
    EXPECT_TRUE(is_origin("https://example.com"));
    EXPECT_TRUE(is_origin("http://localhost:3000"));
    EXPECT_TRUE(is_origin("HTTP://Example.com"));
    EXPECT_TRUE(is_origin("http://[::1]:8080"));
}

TEST(IsOrigin, RejectsPathQueryFragmentAndUserInfo) {
    EXPECT_FALSE(is_origin("https://example.com/"));
    EXPECT_FALSE(is_origin("https://example.com/app"));
    EXPECT_FALSE(is_origin("https://example.com?x=1"));
    EXPECT_FALSE(is_origin("https://example.com#top"));
    EXPECT_FALSE(is_origin("https://user@example.com"));
}

TEST(IsOrigin, RejectsMissingSchemeOrHostAndBadPorts) {
    EXPECT_FALSE(is_origin("example.com"));
    EXPECT_FALSE(is_origin("https://"));
    EXPECT_FALSE(is_origin("https://example.com:0"));
    EXPECT_FALSE(is_origin("https://example.com:99999"));
    EXPECT_FALSE(is_origin("https://exa mple.com"));
}

TEST(MaskUrlPassword, ReplacesOnlyThePassword) {
    EXPECT_EQ(mask_url_password("postgresql://u:p@h/db"), "postgresql://u:***@h/db");
    EXPECT_EQ(mask_url_password("postgresql://u@h/db"), "postgresql://u@h/db");
    EXPECT_EQ(mask_url_password("postgresql://h:5432/db"), "postgresql://h:5432/db");
    EXPECT_EQ(mask_url_password("postgresql://u:p@ss@h/db"), "postgresql://u:***@h/db");
    EXPECT_EQ(mask_url_password("postgresql://h/db?user=u&password=p&sslmode=require"),
              "postgresql://h/db?user=u&password=***&sslmode=require");
    EXPECT_EQ(mask_url_password("not a url"), "not a url");
}

TEST(MaskUrlPassword, MasksAnEmptyUserAndBothUserInfoAndQueryPasswords) {
    EXPECT_EQ(mask_url_password("redis://:secret@host:6379/0"), "redis://:***@host:6379/0");
    EXPECT_EQ(mask_url_password("postgresql://u:a@h/db?password=b#top"),
              "postgresql://u:***@h/db?password=***#top");
}

TEST(MaskUrlPassword, LeavesParametersThatOnlyEndInPasswordAlone) {
    EXPECT_EQ(mask_url_password("postgresql://h/db?old_password=p"),
              "postgresql://h/db?old_password=p");
    EXPECT_EQ(mask_url_password("http://h/#password=p"), "http://h/#password=p");
}

TEST(UrlPassword, ReturnsThePercentDecodedPassword) {
    EXPECT_EQ(url_password("postgresql://u:p%40ss%2Fword@h/db"), "p@ss/word");
    EXPECT_EQ(url_password("postgresql://u:@h/db"), "");
    EXPECT_EQ(url_password("postgresql://u@h/db"), std::nullopt);
    EXPECT_EQ(url_password("postgresql://h/db?password=q%20w"), "q w");
    EXPECT_EQ(url_password("postgresql://h/db?passwords=x"), std::nullopt);
}

TEST(UrlPassword, KeepsMalformedEscapesAndPlusSignsAsTheyAre) {
    EXPECT_EQ(url_password("postgresql://u:100%zz@h/db"), "100%zz");
    EXPECT_EQ(url_password("postgresql://u:ab%4@h/db"), "ab%4");
    EXPECT_EQ(url_password("postgresql://h/db?password=a+b"), "a+b");
}

TEST(UrlPassword, UserInfoPasswordWinsOverTheQueryParameter) {
    EXPECT_EQ(url_password("postgresql://u:a@h/db?password=b"), "a");
}

TEST(UrlPassword, UnescapedAtSignStaysInThePassword) {
    EXPECT_EQ(url_password("postgresql://u:p@ss@h/db"), "p@ss");
}

TEST(UrlPassword, QueryPasswordEndsAtTheNextParameterOrFragment) {
    EXPECT_EQ(url_password("postgresql://h/db?password=x&sslmode=require"), "x");
    EXPECT_EQ(url_password("postgresql://h/db?password=x#top"), "x");
}

TEST(UrlPassword, IsAbsentFromTextThatIsNotAUrl) {
    EXPECT_EQ(url_password("not a url"), std::nullopt);
}

}  // namespace
}  // namespace companion::config
