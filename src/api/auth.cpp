// /api/v1/auth: register, login, me, change-password, logout and the caller's audit log.
#include <boost/json.hpp>

#include "api/auth_context.hpp"
#include "api/json.hpp"
#include "api/json_input.hpp"
#include "api/resource_json.hpp"
#include "api/routes.hpp"
#include "auth/auth_service.hpp"
#include "auth/password_policy.hpp"
#include "http/router.hpp"

namespace companion::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const TextRule kUsernameRule{
    .min_code_points = 1, .max_code_points = 64, .trim = true, .allow_newlines = false};
const TextRule kPasswordRule{.min_code_points = 1, .max_code_points = auth::kMaxPasswordBytes};
const TextRule kEmailRule{
    .min_code_points = 3, .max_code_points = 254, .trim = true, .allow_newlines = false};

asio::awaitable<http::Response> register_user(auth::AuthService& auth, http::Request& request) {
    const auto object = parse_json_object(request.body);
    JsonFields fields(object);
    auto username = fields.required_string("username", kUsernameRule);
    auto password = fields.required_string("password", kPasswordRule);
    auto email = fields.optional_string("email", kEmailRule);
    fields.finish();
    if (email && email->find('@') == std::string::npos) {
        throw http::ApiError(422, "invalid_field", "\"email\" must be an email address");
    }
    auto client = client_info(request);
    const auto user = co_await auth.register_user(std::move(username), std::move(password),
                                                  std::move(email), std::move(client));
    co_return json_response(201, user_json(user));
}

asio::awaitable<http::Response> login(auth::AuthService& auth, http::Request& request) {
    const auto object = parse_json_object(request.body);
    JsonFields fields(object);
    auto username = fields.required_string("username", kUsernameRule);
    auto password = fields.required_string("password", kPasswordRule);
    fields.finish();
    auto client = client_info(request);
    const auto token =
        co_await auth.login(std::move(username), std::move(password), std::move(client));
    json::object body;
    body["access_token"] = token.access_token;
    body["token_type"] = "bearer";
    body["expires_in"] = token.expires_in;
    co_return json_response(200, body);
}

asio::awaitable<http::Response> me(auth::AuthService& auth, http::Request& request) {
    const auto user = co_await auth.current_user(request.user_id);
    auto body = user_json(user);
    body["auth_method"] = request.auth_method;
    co_return json_response(200, body);
}

asio::awaitable<http::Response> change_password(auth::AuthService& auth, http::Request& request) {
    const auto object = parse_json_object(request.body);
    JsonFields fields(object);
    auto current = fields.required_string("current_password", kPasswordRule);
    auto next = fields.required_string("new_password", kPasswordRule);
    fields.finish();
    auto client = client_info(request);
    co_await auth.change_password(request.user_id, std::move(current), std::move(next),
                                  std::move(client));
    co_return no_content();
}

asio::awaitable<http::Response> logout(auth::AuthService& auth, http::Request& request) {
    auto client = client_info(request);
    auto token = bearer_token(request);
    co_await auth.logout(request.user_id, std::move(token), std::move(client));
    co_return no_content();
}

asio::awaitable<http::Response> audit(auth::AuthService& auth, http::Request& request) {
    const auto page = co_await auth.audit_events(request.user_id, 100, std::nullopt);
    json::array events;
    for (const auto& event : page.rows) events.push_back(audit_json(event));
    json::object body;
    body["events"] = std::move(events);
    co_return json_response(200, body);
}

}  // namespace

void register_auth_routes(http::Router& router, Services& services) {
    auto& auth = services.auth;
    router.add(http::Method::post, "/api/v1/auth/register",
               [&auth](http::Request& request) { return register_user(auth, request); });
    router.add(http::Method::post, "/api/v1/auth/login",
               [&auth](http::Request& request) { return login(auth, request); });
    router.add(http::Method::get, "/api/v1/auth/me",
               [&auth](http::Request& request) { return me(auth, request); });
    router.add(http::Method::post, "/api/v1/auth/change-password",
               [&auth](http::Request& request) { return change_password(auth, request); });
    router.add(http::Method::post, "/api/v1/auth/logout",
               [&auth](http::Request& request) { return logout(auth, request); });
    router.add(http::Method::get, "/api/v1/auth/audit",
               [&auth](http::Request& request) { return audit(auth, request); });
}

}  // namespace companion::api
