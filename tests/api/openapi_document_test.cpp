// The OpenAPI document as the service builds it from its embedded sources: how resource files are
// merged into the base, and that the real document hangs together.
#include "api/openapi.hpp"

#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace companion::api {
namespace {

namespace json = boost::json;

constexpr std::string_view kBase = R"({
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "placeholder"},
  "paths": {"/base": {"get": {}}},
  "components": {"schemas": {"Shared": {"type": "string"}}},
  "tags": [{"name": "Base"}]
})";

std::string error_of(std::vector<EmbeddedFile> sources) {
    try {
        build_openapi_document(sources, "1.2.3");
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "no error";
}

TEST(OpenApiMerge, AddsEachResourcesPathsComponentsAndTagsToTheBase) {
    const std::vector<EmbeddedFile> sources = {
        {"openapi.json", kBase},
        {"resources/a.json",
         R"({"paths": {"/a": {"post": {}}}, "components": {"schemas": {"A": {}},
             "responses": {"AOk": {"description": "ok"}}}, "tags": [{"name": "A"}]})"},
        {"resources/b.json", R"({"paths": {"/b/{id}": {"delete": {}}}})"},
    };
    const auto document = build_openapi_document(sources, "1.2.3");
    const auto& paths = document.at("paths").as_object();
    EXPECT_TRUE(paths.contains("/base"));
    EXPECT_TRUE(paths.contains("/a"));
    EXPECT_TRUE(paths.contains("/b/{id}"));
    const auto& components = document.at("components").as_object();
    EXPECT_TRUE(components.at("schemas").as_object().contains("Shared"));
    EXPECT_TRUE(components.at("schemas").as_object().contains("A"));
    EXPECT_TRUE(components.at("responses").as_object().contains("AOk"));
    EXPECT_EQ(document.at("tags").as_array().size(), 2u);
}

TEST(OpenApiMerge, SetsTheVersionGiven) {
    const std::vector<EmbeddedFile> sources = {{"openapi.json", kBase}};
    const auto document = build_openapi_document(sources, "4.5.6");
    EXPECT_EQ(document.at("info").at("version").as_string(), "4.5.6");
}

TEST(OpenApiMerge, RefusesAPathDefinedInTwoSourcesNamingBoth) {
    const auto message = error_of({{"openapi.json", kBase},
                                   {"resources/a.json", R"({"paths": {"/x": {"get": {}}}})"},
                                   {"resources/b.json", R"({"paths": {"/x": {"post": {}}}})"}});
    EXPECT_THAT(message, ::testing::HasSubstr("path /x is defined in both resources/a.json and "
                                              "resources/b.json"));
}

TEST(OpenApiMerge, RefusesAComponentOrTagThatTheBaseAlreadyDefines) {
    EXPECT_THAT(error_of({{"openapi.json", kBase},
                          {"resources/a.json", R"({"components": {"schemas": {"Shared": {}}}})"}}),
                ::testing::HasSubstr("components.schemas.Shared is defined in both openapi.json"));
    EXPECT_THAT(error_of({{"openapi.json", kBase},
                          {"resources/a.json", R"({"tags": [{"name": "Base"}]})"}}),
                ::testing::HasSubstr("tag Base is defined in both"));
}

TEST(OpenApiMerge, RefusesOtherTopLevelMembersAndMalformedSources) {
    EXPECT_THAT(
        error_of({{"openapi.json", kBase}, {"resources/a.json", R"({"info": {"title": "mine"}})"}}),
        ::testing::HasSubstr("resources/a.json: unexpected member \"info\""));
    EXPECT_THAT(error_of({{"openapi.json", kBase}, {"resources/a.json", R"({"paths": )"}}),
                ::testing::HasSubstr("resources/a.json is not valid JSON"));
    EXPECT_THAT(error_of({{"openapi.json", kBase}, {"resources/a.json", R"({"paths": []})"}}),
                ::testing::HasSubstr("resources/a.json: \"paths\" must be an object"));
}

// ------------------------------------------------------------------ the service's document

void collect_refs(const json::value& value, std::vector<std::string>& refs) {
    if (const auto* object = value.if_object()) {
        for (const auto& [key, member] : *object) {
            if (key == "$ref" && member.is_string()) refs.emplace_back(member.as_string());
            collect_refs(member, refs);
        }
    } else if (const auto* array = value.if_array()) {
        for (const auto& item : *array) collect_refs(item, refs);
    }
}

TEST(ServiceOpenApiDocument, IsOpenApi31WithTheServiceVersionAndARelativeServer) {
    const auto document = openapi_document();
    EXPECT_EQ(document.at("openapi").as_string(), "3.1.0");
    EXPECT_EQ(document.at("info").at("version").as_string(), COMPANION_VERSION);
    const auto& servers = document.at("servers").as_array();
    ASSERT_EQ(servers.size(), 1u);
    EXPECT_EQ(servers[0].at("url").as_string(), "/");
}

TEST(ServiceOpenApiDocument, DefinesBearerJwtAndApiKeySchemesAsHttpBearer) {
    const auto document = openapi_document();
    const auto& schemes = document.at("components").at("securitySchemes").as_object();
    for (const char* name : {"bearerJwt", "apiKey"}) {
        ASSERT_TRUE(schemes.contains(name)) << name;
        EXPECT_EQ(schemes.at(name).at("type").as_string(), "http") << name;
        EXPECT_EQ(schemes.at(name).at("scheme").as_string(), "bearer") << name;
    }
    EXPECT_THAT(std::string(schemes.at("apiKey").at("description").as_string()),
                ::testing::HasSubstr("`ck_`"));
}

TEST(ServiceOpenApiDocument, EveryLocalReferenceResolves) {
    const json::value document = openapi_document();
    std::vector<std::string> refs;
    collect_refs(document, refs);
    ASSERT_FALSE(refs.empty());
    for (const auto& ref : refs) {
        ASSERT_TRUE(ref.starts_with("#/")) << "only references inside the document: " << ref;
        boost::system::error_code error;
        EXPECT_NE(document.find_pointer(ref.substr(1), error), nullptr)
            << ref << " resolves to nothing";
    }
}

TEST(ServiceOpenApiDocument, DocsFileParameterListsExactlyTheFilesServed) {
    const json::value document = openapi_document();
    const auto& parameters = document.at_pointer("/paths/~1docs~1{file}/get/parameters").as_array();
    std::set<std::string> documented;
    for (const auto& name : parameters.at(0).at("schema").at("enum").as_array()) {
        documented.emplace(name.as_string());
    }
    std::set<std::string> served;
    for (const auto& file : swagger_ui_files()) served.emplace(file.name);
    for (const auto& file : docs_page_files()) {
        if (file.name != "index.html") served.emplace(file.name);
    }
    EXPECT_EQ(documented, served);
}

TEST(ServiceOpenApiDocument, EmbedsSwaggerUiAndThePagesOwnFilesWhole) {
    std::set<std::string> names;
    for (const auto& file : swagger_ui_files()) {
        names.emplace(file.name);
        EXPECT_FALSE(file.content.empty()) << file.name;
    }
    for (const char* needed :
         {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "LICENSE"}) {
        EXPECT_TRUE(names.contains(needed)) << needed;
    }
    for (const auto& file : swagger_ui_files()) {
        if (file.name == "favicon-16x16.png") {
            EXPECT_TRUE(file.content.starts_with("\x89PNG\r\n\x1a\n")) << "bytes kept exactly";
        }
        if (file.name == "swagger-ui-bundle.js") {
            EXPECT_GT(file.content.size(), 500000u);
            EXPECT_NE(file.content.find("SwaggerUIBundle"), std::string_view::npos);
        }
    }
    std::set<std::string> page;
    for (const auto& file : docs_page_files()) page.emplace(file.name);
    EXPECT_EQ(page, (std::set<std::string>{"docs.css", "index.html", "swagger-initializer.js"}));
}

}  // namespace
}  // namespace companion::api
