// The /docs page and its Content-Security-Policy against the files the binary embeds: no inline
// script, only its own files, and exactly the inline styles Swagger UI renders allowed by hash.
#include <regex>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "api/openapi.hpp"

namespace companion::api {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string sha256_base64(std::string_view text) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    unsigned char encoded[64] = {};
    const int written = EVP_EncodeBlock(encoded, digest, static_cast<int>(length));
    return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(written));
}

// The text of every React `createElement("style",null,"...")` in the embedded scripts: inline
// <style> elements, which a policy without 'unsafe-inline' blocks unless it names their hash.
std::set<std::string> inline_styles_rendered() {
    constexpr std::string_view kStyleElement = R"(createElement("style",null,")";
    std::set<std::string> styles;
    for (const auto& file : swagger_ui_files()) {
        if (!file.name.ends_with(".js")) continue;
        for (auto at = file.content.find(kStyleElement); at != std::string_view::npos;
             at = file.content.find(kStyleElement, at + 1)) {
            const auto start = at + kStyleElement.size();
            const auto end = file.content.find('"', start);
            const auto text = file.content.substr(start, end - start);
            EXPECT_EQ(text.find('\\'), std::string_view::npos)
                << "an escaped inline style in " << file.name << ": hash its decoded text";
            styles.emplace(text);
        }
    }
    return styles;
}

std::set<std::string> hashes_allowed(std::string_view policy) {
    static const std::regex hash(R"('sha256-([A-Za-z0-9+/=]+)')");
    const std::string text(policy);
    std::set<std::string> out;
    for (std::sregex_iterator it(text.begin(), text.end(), hash), end; it != end; ++it) {
        out.insert((*it)[1]);
    }
    return out;
}

std::string_view page() {
    for (const auto& file : docs_page_files()) {
        if (file.name == "index.html") return file.content;
    }
    return {};
}

TEST(DocsPage, PolicyAllowsByHashExactlyTheInlineStylesSwaggerUiRenders) {
    std::set<std::string> rendered;
    for (const auto& style : inline_styles_rendered()) rendered.insert(sha256_base64(style));
    EXPECT_EQ(hashes_allowed(docs_content_security_policy()), rendered)
        << "after a swagger-ui-dist upgrade, put the hashes of its inline <style> texts into "
           "kDocsContentSecurityPolicy (src/api/docs.cpp)";
}

TEST(DocsPage, PolicyAllowsOnlyThisServicesScriptsAndRequests) {
    const std::string policy(docs_content_security_policy());
    EXPECT_THAT(policy, HasSubstr("default-src 'none'"));
    EXPECT_THAT(policy, HasSubstr("script-src 'self';"));
    EXPECT_THAT(policy, HasSubstr("connect-src 'self';"));
    EXPECT_THAT(policy, HasSubstr("frame-ancestors 'none'"));
    EXPECT_THAT(policy, Not(HasSubstr("unsafe")));
    EXPECT_THAT(policy, Not(HasSubstr("http")));
}

TEST(DocsPage, PageHasNoInlineScriptAndLinksOnlyFilesTheBinaryServes) {
    const std::string html(page());
    ASSERT_FALSE(html.empty()) << "index.html is not embedded";
    static const std::regex inline_script(R"(<script(?![^>]*\bsrc=)[^>]*>)");
    EXPECT_FALSE(std::regex_search(html, inline_script));
    EXPECT_THAT(html, Not(HasSubstr("://")));

    std::set<std::string> served;
    for (const auto& file : swagger_ui_files()) served.emplace(file.name);
    for (const auto& file : docs_page_files()) served.emplace(file.name);
    static const std::regex link(R"re((?:src|href)="([^"?]+)(\?v=\{\{version\}\})?")re");
    int links = 0;
    for (std::sregex_iterator it(html.begin(), html.end(), link), end; it != end; ++it) {
        const std::string target = (*it)[1];
        ++links;
        if (target == "openapi.json") continue;
        ASSERT_TRUE(target.starts_with("docs/")) << target << ": not a file of /docs";
        EXPECT_TRUE(served.contains(target.substr(5))) << target << " is not embedded";
        EXPECT_TRUE((*it)[2].matched) << target
                                      << " has no ?v={{version}}: it would be cached "
                                         "for a year across upgrades";
    }
    EXPECT_GE(links, 6);
}

}  // namespace
}  // namespace companion::api
