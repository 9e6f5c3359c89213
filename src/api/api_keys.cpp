// /api/v1/auth/api-keys: create (the key is shown once), list and revoke the caller's keys.
#include <boost/json.hpp>

#include "api/auth_context.hpp"
#include "api/json.hpp"
#include "api/json_input.hpp"
#include "api/resource_json.hpp"
#include "api/routes.hpp"
#include "auth/auth_service.hpp"
#include "http/router.hpp"

namespace companion::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const TextRule kNameRule{
    .min_code_points = 1, .max_code_points = 100, .trim = true, .allow_newlines = false};

asio::awaitable<http::Response> create_key(auth::AuthService& auth, http::Request& request) {
    std::string name = "api key";
    if (!request.body.empty()) {
        const auto object = parse_json_object(request.body);
        JsonFields fields(object);
        if (auto given = fields.optional_string("name", kNameRule)) name = std::move(*given);
        fields.finish();
    }
    auto client = client_info(request);
    const auto created =
        co_await auth.create_api_key(request.user_id, std::move(name), std::move(client));
    json::object body;
    body["id"] = created.key.id;
    body["name"] = created.key.name;
    body["key"] = created.secret;
    body["prefix"] = created.key.prefix;
    body["created_at"] = format_timestamp(created.key.created_at);
    co_return json_response(201, body);
}

asio::awaitable<http::Response> list_keys(auth::AuthService& auth, http::Request& request) {
    const auto keys = co_await auth.list_api_keys(request.user_id);
    json::array items;
    for (const auto& key : keys) items.push_back(api_key_json(key));
    json::object body;
    body["api_keys"] = std::move(items);
    co_return json_response(200, body);
}

asio::awaitable<http::Response> revoke_key(auth::AuthService& auth, http::Request& request) {
    auto client = client_info(request);
    std::string key_id(request.param("id"));
    co_await auth.revoke_api_key(request.user_id, std::move(key_id), std::move(client));
    co_return no_content();
}

}  // namespace

void register_api_key_routes(http::Router& router, Services& services) {
    auto& auth = services.auth;
    router.add(http::Method::post, "/api/v1/auth/api-keys",
               [&auth](http::Request& request) { return create_key(auth, request); });
    router.add(http::Method::get, "/api/v1/auth/api-keys",
               [&auth](http::Request& request) { return list_keys(auth, request); });
    router.add(http::Method::delete_, "/api/v1/auth/api-keys/{id}",
               [&auth](http::Request& request) { return revoke_key(auth, request); });
}

}  // namespace companion::api
