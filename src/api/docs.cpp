// GET /openapi.json (the OpenAPI document), GET /docs (Swagger UI) and GET /docs/{file} (its
// scripts, styles and icons): everything from the binary, nothing from a CDN.
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "api/openapi.hpp"
#include "api/routes.hpp"
#include "http/router.hpp"

namespace companion::api {

namespace asio = boost::asio;

namespace {

// Only this service's own scripts, styles, images (Swagger UI's icons are data: URIs) and
// requests; no inline script, no framing. The one inline style allowed, by its hash, is the
// <style> of the Swagger logo that swagger-ui-standalone-preset.js renders (a unit test checks
// the hash against the embedded file, so an upgrade that changes it fails there).
constexpr std::string_view kDocsContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; "
    "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";
// The page names every file with ?v=<hash of the files>, so a file may be kept for a year.
constexpr std::string_view kAssetCacheControl = "public, max-age=31536000, immutable";
constexpr std::string_view kDocumentCacheControl = "public, max-age=300";
constexpr std::string_view kPageCacheControl = "no-cache";

struct Asset {
    std::string_view content_type;
    std::string_view content;
};

std::string_view content_type_of(std::string_view name) {
    if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
    if (name.ends_with(".css")) return "text/css; charset=utf-8";
    if (name.ends_with(".png")) return "image/png";
    if (name.ends_with(".html")) return "text/html; charset=utf-8";
    return "text/plain; charset=utf-8";  // LICENSE, NOTICE, *.txt
}

// FNV-1a over every served file: changes whenever any of them does.
std::string files_version(const std::map<std::string_view, Asset, std::less<>>& assets,
                          std::string_view page) {
    std::uint64_t hash = 14695981039346656037ull;
    auto add = [&hash](std::string_view bytes) {
        for (const unsigned char byte : bytes) {
            hash ^= byte;
            hash *= 1099511628211ull;
        }
    };
    add(page);
    for (const auto& [name, asset] : assets) {
        add(name);
        add(asset.content);
    }
    return fmt::format("{:016x}", hash);
}

std::string_view page_file(std::string_view name) {
    for (const auto& file : docs_page_files()) {
        if (file.name == name) return file.content;
    }
    throw std::logic_error(fmt::format("the docs page file {} is not embedded", name));
}

std::string render_page(std::string_view page, std::string_view version) {
    std::string out;
    constexpr std::string_view kPlaceholder = "{{version}}";
    std::size_t start = 0;
    while (true) {
        const auto found = page.find(kPlaceholder, start);
        out += page.substr(start, found - start);
        if (found == std::string_view::npos) break;
        out += version;
        start = found + kPlaceholder.size();
    }
    return out;
}

http::Response docs_response(std::string_view content_type, std::string body,
                             std::string_view cache_control) {
    http::Response response;
    response.content_type = std::string(content_type);
    response.body = std::move(body);
    response.set_header("Cache-Control", std::string(cache_control));
    response.set_header("Content-Security-Policy", std::string(kDocsContentSecurityPolicy));
    return response;
}

struct DocsContent {
    std::string document;                                   // /openapi.json, serialized once
    std::string page;                                       // /docs
    std::map<std::string_view, Asset, std::less<>> assets;  // /docs/{file}
};

std::shared_ptr<const DocsContent> load_docs_content() {
    auto content = std::make_shared<DocsContent>();
    content->document = boost::json::serialize(openapi_document());
    for (const auto& file : swagger_ui_files()) {
        content->assets.emplace(file.name, Asset{content_type_of(file.name), file.content});
    }
    for (const auto& file : docs_page_files()) {
        if (file.name == "index.html") continue;  // the page itself is /docs
        content->assets.emplace(file.name, Asset{content_type_of(file.name), file.content});
    }
    const auto page = page_file("index.html");
    content->page = render_page(page, files_version(content->assets, page));
    return content;
}

}  // namespace

std::string_view docs_content_security_policy() {
    return kDocsContentSecurityPolicy;
}

void register_docs_routes(http::Router& router, Services&) {
    // Built once, at start-up: a broken document stops the service there (the unit tests catch
    // it first).
    std::shared_ptr<const DocsContent> content = load_docs_content();

    router.add(http::Method::get, "/openapi.json",
               [content](http::Request&) -> asio::awaitable<http::Response> {
                   http::Response response;
                   response.body = content->document;
                   response.set_header("Cache-Control", std::string(kDocumentCacheControl));
                   co_return response;
               });
    router.add(
        http::Method::get, "/docs", [content](http::Request&) -> asio::awaitable<http::Response> {
            co_return docs_response("text/html; charset=utf-8", content->page, kPageCacheControl);
        });
    router.add(http::Method::get, "/docs/{file}",
               [content](http::Request& request) -> asio::awaitable<http::Response> {
                   const auto found = content->assets.find(request.param("file"));
                   if (found == content->assets.end()) {
                       throw http::ApiError(404, "not_found", "no such documentation file");
                   }
                   co_return docs_response(found->second.content_type,
                                           std::string(found->second.content), kAssetCacheControl);
               });
}

}  // namespace companion::api
