// The OpenAPI document against the real router (api::register_routes with real services) and the
// real middleware: every route documented, every documented operation routed, and what the
// document says about authentication, rate-limit headers and request ids is what the service does.
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include "api/openapi.hpp"
#include "api/routes.hpp"
#include "auth/auth_cache.hpp"
#include "auth/auth_service.hpp"
#include "cache/login_guard.hpp"
#include "cache/rate_limiter.hpp"
#include "cache/short_term_memory.hpp"
#include "companion/chat_service.hpp"
#include "companion/persona.hpp"
#include "config/settings.hpp"
#include "health/health_monitor.hpp"
#include "health/readiness.hpp"
#include "http/api_error.hpp"
#include "http/router.hpp"
#include "llm/llm_client.hpp"
#include "llm/llm_options.hpp"
#include "memory/builtin_embedder.hpp"
#include "memory/memory_index.hpp"
#include "memory/memory_service.hpp"
#include "metrics/registry.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace companion::api {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr const char* kMethods[] = {"get",     "put",  "post",  "delete",
                                    "options", "head", "patch", "trace"};

// The services of the running binary, built as app.cpp builds them (SQLite in a temporary
// directory, the in-process limiter and caches), and the router they fill.
class RegisteredRoutes {
  public:
    RegisteredRoutes() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "companion-openapi-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        directory_ = pattern;
        settings_.data_dir = directory_.string();
        settings_.jwt_secret_key = "a-unit-test-secret-that-is-long-enough";
        store_ = store::make_sqlite_store((directory_ / "companion.db").string(), 1);
        auth_ = std::make_unique<auth::AuthService>(*store_, settings_, pool_, *guard_, cache_);
        llm_ = std::make_unique<llm::LlmClient>(io_.get_executor(),
                                                llm::options_from_settings(settings_), registry_);
        memory::MatrixCacheOptions index_options;
        index_options.model = embedder_.model_name();
        index_ = std::make_unique<memory::MemoryIndex>(*store_, index_options);
        memories_ =
            std::make_unique<memory::MemoryService>(*store_, embedder_, *index_, nullptr);
        chat_ = std::make_unique<chat::ChatService>(
            *store_, *short_term_, *llm_, settings_,
            chat::Persona{"Companion", chat::default_persona_text("Companion")}, *memories_);
        services_ = std::make_unique<Services>(Services{settings_, health_, readiness_, registry_,
                                                        *store_, *auth_, *chat_, *memories_});
        register_routes(router, *services_);
    }
    ~RegisteredRoutes() {
        chat_.reset();
        memories_.reset();
        index_.reset();
        llm_.reset();
        auth_.reset();
        store_->close();
        pool_.join();
        std::filesystem::remove_all(directory_);
    }
    RegisteredRoutes(const RegisteredRoutes&) = delete;
    RegisteredRoutes& operator=(const RegisteredRoutes&) = delete;

    auth::AuthService& auth() { return *auth_; }

    http::Router router;

  private:
    std::filesystem::path directory_;
    config::Settings settings_;
    asio::io_context io_;
    asio::thread_pool pool_{1};
    metrics::Registry registry_;
    health::HealthMonitor health_{false};
    health::Readiness readiness_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<cache::LoginGuard> guard_ = cache::make_local_login_guard();
    auth::AuthCache cache_{true};
    std::unique_ptr<cache::ShortTermMemory> short_term_ = cache::make_no_short_term_memory(10);
    std::unique_ptr<auth::AuthService> auth_;
    std::unique_ptr<llm::LlmClient> llm_;
    memory::BuiltinEmbedder embedder_;
    std::unique_ptr<memory::MemoryIndex> index_;
    std::unique_ptr<memory::MemoryService> memories_;
    std::unique_ptr<chat::ChatService> chat_;
    std::unique_ptr<Services> services_;
};

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// "/a/{id}/b" -> "/a/{}/b": templates match whatever their parameters are called.
std::string shape_of(const std::string& pattern) {
    static const std::regex parameter(R"(\{[^}/]+\})");
    return std::regex_replace(pattern, parameter, "{}");
}

std::vector<std::string> parameter_names(const std::string& pattern) {
    static const std::regex parameter(R"(\{([^}/]+)\})");
    std::vector<std::string> names;
    for (std::sregex_iterator it(pattern.begin(), pattern.end(), parameter), end; it != end; ++it) {
        names.push_back((*it)[1]);
    }
    return names;
}

// A path the template matches: every parameter a well-formed id.
std::string concrete_path(const std::string& pattern) {
    static const std::regex parameter(R"(\{[^}/]+\})");
    return std::regex_replace(pattern, parameter, "0193a4c2-7d1e-7b3a-9f2c-4e5d6a7b8c9d");
}

struct Operation {
    std::string method;  // lower case, as OpenAPI writes it
    std::string path;    // the document's template
    const json::object* body = nullptr;
};

std::vector<Operation> documented_operations(const json::object& document) {
    std::vector<Operation> operations;
    for (const auto& [path, item] : document.at("paths").as_object()) {
        for (const char* method : kMethods) {
            if (const auto* operation = item.as_object().if_contains(method)) {
                operations.push_back(Operation{method, std::string(path), &operation->as_object()});
            }
        }
    }
    return operations;
}

// A response object, or the one its "$ref" names.
const json::object& resolved(const json::value& document, const json::object& response) {
    const auto* ref = response.if_contains("$ref");
    if (ref == nullptr) return response;
    return document.at_pointer(std::string(ref->as_string()).substr(1)).as_object();
}

bool is_public(const json::object& document, const Operation& operation) {
    const auto* security = operation.body->if_contains("security");
    if (security == nullptr) security = document.if_contains("security");
    return security == nullptr || security->as_array().empty();
}

bool has_header(const json::object& response, const char* name) {
    const auto* headers = response.if_contains("headers");
    return headers != nullptr && headers->as_object().contains(name);
}

template <class T>
T run(asio::awaitable<T> task) {
    asio::io_context io;
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.run();
    return future.get();
}

// A request for `path` (which must outlive it) as the router hands it to the middleware, without
// credentials.
http::Request routed_request(const http::Route& route, const std::string& path) {
    http::Request request;
    request.method = route.method;
    request.method_name = http::to_string(route.method);
    request.path = path;
    request.target = path;
    request.route = route.pattern;
    request.route_outcome = http::RouteOutcome::found;
    request.handler = &route.handler;
    request.client_ip = "127.0.0.1";
    request.request_id = "openapi-test";
    return request;
}

http::Handler answers_ok() {
    return [](http::Request&) -> asio::awaitable<http::Response> {
        http::Response response;
        response.status = 200;
        co_return response;
    };
}

class OpenApiRoutes : public ::testing::Test {
  protected:
    // The registered route an operation documents; null when there is none.
    const http::Route* route_of(const Operation& operation) const {
        for (const auto& route : routes_.router.routes()) {
            if (lower(http::to_string(route.method)) == operation.method &&
                shape_of(route.pattern) == shape_of(operation.path)) {
                return &route;
            }
        }
        return nullptr;
    }

    RegisteredRoutes routes_;
    json::object document_ = openapi_document();
    json::value document_value_ = document_;
};

TEST_F(OpenApiRoutes, EveryRegisteredRouteIsDocumented) {
    ASSERT_FALSE(routes_.router.routes().empty());
    std::map<std::string, const json::object*> documented_paths;
    for (const auto& [path, item] : document_.at("paths").as_object()) {
        documented_paths[shape_of(std::string(path))] = &item.as_object();
    }
    for (const auto& route : routes_.router.routes()) {
        const auto method = lower(http::to_string(route.method));
        const auto found = documented_paths.find(shape_of(route.pattern));
        if (found == documented_paths.end()) {
            ADD_FAILURE() << http::to_string(route.method) << " " << route.pattern
                          << " is registered but its path is not in the OpenAPI document "
                             "(add it to a file in src/api/openapi/resources/, see docs/api.md)";
            continue;
        }
        EXPECT_TRUE(found->second->contains(method))
            << http::to_string(route.method) << " " << route.pattern
            << " is registered but the document has no \"" << method << "\" operation for it";
    }
}

TEST_F(OpenApiRoutes, EveryDocumentedOperationIsARegisteredRoute) {
    std::set<std::pair<std::string, std::string>> registered;
    for (const auto& route : routes_.router.routes()) {
        registered.emplace(lower(http::to_string(route.method)), shape_of(route.pattern));
    }
    const auto operations = documented_operations(document_);
    ASSERT_FALSE(operations.empty());
    for (const auto& operation : operations) {
        EXPECT_TRUE(registered.contains({operation.method, shape_of(operation.path)}))
            << operation.method << " " << operation.path
            << " is documented but no such route is registered";
    }
}

TEST_F(OpenApiRoutes, PathParametersAreNamedAsInTheRouter) {
    for (const auto& route : routes_.router.routes()) {
        for (const auto& [path, item] : document_.at("paths").as_object()) {
            if (shape_of(std::string(path)) != shape_of(route.pattern)) continue;
            EXPECT_EQ(parameter_names(std::string(path)), parameter_names(route.pattern))
                << "the document writes " << std::string_view(path) << ", the router "
                << route.pattern;
        }
    }
}

TEST_F(OpenApiRoutes, OperationsArePublicExactlyWhenTheAuthenticationMiddlewareLetsThemThrough) {
    const auto authenticate =
        http::chain({api::authenticate(routes_.auth(), /*require=*/true)}, answers_ok());
    for (const auto& operation : documented_operations(document_)) {
        const auto* route = route_of(operation);
        if (route == nullptr) continue;  // reported by EveryDocumentedOperationIsARegisteredRoute
        const auto path = concrete_path(route->pattern);
        auto request = routed_request(*route, path);
        bool refused = false;
        try {
            run(authenticate(request));
        } catch (const http::ApiError& error) {
            refused = error.status() == 401;
        }
        const auto name = operation.method + " " + operation.path;
        EXPECT_EQ(is_public(document_, operation), !refused)
            << name << ": the document says "
            << (is_public(document_, operation) ? "public" : "authenticated")
            << " (\"security\"), the middleware " << (refused ? "refuses" : "lets through")
            << " a request without credentials";
        // Public operations may answer 401 too (a wrong password at login).
        if (refused) {
            EXPECT_TRUE(operation.body->at("responses").as_object().contains("401"))
                << name << " needs credentials but documents no 401 answer";
        }
    }
}

TEST_F(OpenApiRoutes, RateLimitHeadersAndThe429AreDocumentedExactlyWhereTheLimiterApplies) {
    auto limiter = cache::make_local_rate_limiter();
    const auto limited = http::chain({api::rate_limit(*limiter, 1000000)}, answers_ok());
    for (const auto& operation : documented_operations(document_)) {
        const auto* route = route_of(operation);
        if (route == nullptr) continue;  // reported by EveryDocumentedOperationIsARegisteredRoute
        const auto path = concrete_path(route->pattern);
        auto request = routed_request(*route, path);
        const auto response = run(limited(request));
        const bool applies = !response.header("X-RateLimit-Limit").empty();
        const auto name = operation.method + " " + operation.path;
        const auto& responses = operation.body->at("responses").as_object();
        EXPECT_EQ(responses.contains("429"), applies)
            << name << ": a 429 answer is documented exactly when the rate limit applies";
        for (const auto& [status, response_value] : responses) {
            if (!status.starts_with("2")) continue;
            const auto& documented = resolved(document_value_, response_value.as_object());
            for (const char* header :
                 {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}) {
                EXPECT_EQ(has_header(documented, header), applies)
                    << name << " " << std::string_view(status) << ": " << header
                    << (applies ? " is sent but not documented" : " is documented but never sent");
            }
        }
    }
}

TEST_F(OpenApiRoutes, EveryDocumentedAnswerCarriesTheRequestId) {
    for (const auto& operation : documented_operations(document_)) {
        for (const auto& [status, response_value] : operation.body->at("responses").as_object()) {
            const auto& documented = resolved(document_value_, response_value.as_object());
            EXPECT_TRUE(has_header(documented, "X-Request-ID"))
                << operation.method << " " << operation.path << " " << std::string_view(status)
                << ": every answer carries X-Request-ID";
        }
    }
}

}  // namespace
}  // namespace companion::api
