// /openapi.json and the interactive documentation (/docs, /docs/{file}) from the real binary:
// public, with the right content types, cache headers and a Content-Security-Policy that lets
// the page run only this service's own files.
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "support/http_client.hpp"
#include "support/service.hpp"

namespace companion::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every src="..." and href="..." of a page.
std::vector<std::string> linked_files(const std::string& page) {
    static const std::regex link(R"re((?:src|href)="([^"]+)")re");
    std::vector<std::string> out;
    for (std::sregex_iterator it(page.begin(), page.end(), link), end; it != end; ++it) {
        out.push_back((*it)[1]);
    }
    return out;
}

class ApiDocs : public ::testing::Test {
  protected:
    // Authentication required, as in production: the docs must be reachable without it.
    Service service_{Env{{"REQUIRE_AUTHENTICATION", "true"}}};
    HttpClient client_{service_.port()};
};

TEST_F(ApiDocs, OpenApiJsonIsThePublicCacheableDocumentOfThisVersion) {
    const auto response = client_.get("/openapi.json");
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(response.header("content-type"), "application/json");
    EXPECT_THAT(response.header("cache-control"), HasSubstr("max-age="));
    EXPECT_THAT(response.header("cache-control"), Not(HasSubstr("no-store")));
    const auto document = boost::json::parse(response.body).as_object();
    EXPECT_EQ(document.at("openapi").as_string(), "3.1.0");
    EXPECT_EQ(document.at("info").at("version").as_string(), COMPANION_VERSION);
    EXPECT_EQ(document.at("servers").at(0).at("url").as_string(), "/");
    const auto& paths = document.at("paths").as_object();
    for (const char* path : {"/api/v1/chat", "/v1/chat/completions", "/health", "/docs"}) {
        EXPECT_TRUE(paths.contains(path)) << path;
    }
}

TEST_F(ApiDocs, DocsPageIsHtmlThatRunsOnlyItsOwnFilesUnderAStrictPolicy) {
    const auto response = client_.get("/docs");
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(response.header("content-type"), "text/html; charset=utf-8");
    const auto policy = response.header("content-security-policy");
    EXPECT_THAT(policy, HasSubstr("script-src 'self'"));
    EXPECT_THAT(policy, HasSubstr("style-src 'self'"));
    EXPECT_THAT(policy, HasSubstr("connect-src 'self'"));
    EXPECT_THAT(policy, Not(HasSubstr("unsafe-inline")));
    EXPECT_THAT(policy, Not(HasSubstr("unsafe-eval")));
    EXPECT_EQ(response.header("x-content-type-options"), "nosniff");

    const auto& page = response.body;
    // No CDN, and no inline script for the policy to block: every <script> has a src.
    EXPECT_THAT(page, Not(HasSubstr("http://")));
    EXPECT_THAT(page, Not(HasSubstr("https://")));
    static const std::regex inline_script(R"(<script(?![^>]*\bsrc=)[^>]*>)");
    EXPECT_FALSE(std::regex_search(page, inline_script)) << page;
    EXPECT_THAT(page, HasSubstr("docs/swagger-initializer.js"));

    // Everything the page links answers from this service, with its content type.
    std::set<std::string> fetched;
    for (const auto& link : linked_files(page)) {
        const auto path = "/" + link.substr(0, link.find('?'));
        if (!fetched.insert(path).second) continue;
        const auto file = client_.get("/" + link);
        EXPECT_EQ(file.status, 200u) << link;
        std::string expected_type = "text/plain; charset=utf-8";
        if (path.ends_with(".js")) expected_type = "text/javascript; charset=utf-8";
        if (path.ends_with(".css")) expected_type = "text/css; charset=utf-8";
        if (path.ends_with(".png")) expected_type = "image/png";
        if (path == "/openapi.json") expected_type = "application/json";
        EXPECT_EQ(file.header("content-type"), expected_type) << link;
    }
    for (const char* needed :
         {"/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js",
          "/docs/swagger-ui-standalone-preset.js", "/docs/swagger-initializer.js"}) {
        EXPECT_TRUE(fetched.contains(needed)) << "the page does not load " << needed;
    }
}

TEST_F(ApiDocs, SwaggerUiBundleIsJavaScriptCachedForAYear) {
    const auto response = client_.get("/docs/swagger-ui-bundle.js");
    ASSERT_EQ(response.status, 200u);
    EXPECT_EQ(response.header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(response.header("cache-control"), "public, max-age=31536000, immutable");
    EXPECT_THAT(response.header("content-security-policy"), HasSubstr("script-src 'self'"));
    EXPECT_EQ(response.header("x-content-type-options"), "nosniff");
    EXPECT_GT(response.body.size(), 500000u);
    EXPECT_THAT(response.body, HasSubstr("SwaggerUIBundle"));
}

TEST_F(ApiDocs, FaviconKeepsItsBytesAndLicenceIsText) {
    const auto icon = client_.get("/docs/favicon-32x32.png");
    ASSERT_EQ(icon.status, 200u);
    EXPECT_EQ(icon.header("content-type"), "image/png");
    EXPECT_EQ(icon.body.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    const auto licence = client_.get("/docs/LICENSE");
    ASSERT_EQ(licence.status, 200u);
    EXPECT_EQ(licence.header("content-type"), "text/plain; charset=utf-8");
    EXPECT_THAT(licence.body, HasSubstr("Apache License"));
}

TEST_F(ApiDocs, UnknownDocsFileIsNotFoundInTheErrorShape) {
    const auto response = client_.get("/docs/nothing-here.js");
    ASSERT_EQ(response.status, 404u);
    const auto error = boost::json::parse(response.body).at("error").as_object();
    EXPECT_EQ(error.at("code").as_string(), "not_found");
}

TEST_F(ApiDocs, HeadOfTheDocumentAnswersWithoutABody) {
    const auto response = client_.request("HEAD", "/openapi.json");
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.header("content-type"), "application/json");
}

}  // namespace
}  // namespace companion::testing
