// Calls of the /api/v1/auth endpoints for black-box tests.
#pragma once

#include <string>

#include <boost/json.hpp>

#include "support/http_client.hpp"

namespace companion::testing {

inline constexpr const char* kStrongPassword = "correct horse battery staple 42";
inline constexpr const char* kOtherStrongPassword = "a different Passphrase for 2026";

class AuthApi {
  public:
    explicit AuthApi(std::uint16_t port) : client_(port) {}

    HttpResponse post(const std::string& target, const boost::json::object& body,
                      const std::string& token = {}) {
        return client_.request("POST", target, headers(token, true), boost::json::serialize(body));
    }
    HttpResponse get(const std::string& target, const std::string& token = {}) {
        return client_.request("GET", target, headers(token, false));
    }
    HttpResponse del(const std::string& target, const std::string& token = {}) {
        return client_.request("DELETE", target, headers(token, false));
    }
    HttpResponse del_json(const std::string& target, const boost::json::object& body,
                          const std::string& token = {}) {
        return client_.request("DELETE", target, headers(token, true),
                               boost::json::serialize(body));
    }
    HttpClient& client() { return client_; }

    HttpResponse register_user(const std::string& username, const std::string& password) {
        return post("/api/v1/auth/register", {{"username", username}, {"password", password}});
    }
    HttpResponse login(const std::string& username, const std::string& password) {
        return post("/api/v1/auth/login", {{"username", username}, {"password", password}});
    }
    // Registers and logs in; returns the access token ("" on failure).
    std::string token_for(const std::string& username,
                          const std::string& password = kStrongPassword) {
        register_user(username, password);
        const auto response = login(username, password);
        if (response.status != 200) return {};
        return std::string(boost::json::parse(response.body).at("access_token").as_string());
    }

  private:
    static Headers headers(const std::string& token, bool json) {
        Headers result;
        if (!token.empty()) result["Authorization"] = "Bearer " + token;
        if (json) result["Content-Type"] = "application/json";
        return result;
    }

    HttpClient client_;
};

inline boost::json::object json_of(const HttpResponse& response) {
    return boost::json::parse(response.body).as_object();
}

inline std::string error_code(const HttpResponse& response) {
    return std::string(json_of(response).at("error").at("code").as_string());
}

}  // namespace companion::testing
