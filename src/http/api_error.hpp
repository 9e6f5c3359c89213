// The one error type handlers throw; the error barrier turns it into the JSON error shape.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace companion::http {

class ApiError : public std::runtime_error {
public:
    ApiError(unsigned status, std::string code, std::string message)
        : std::runtime_error(std::move(message)), status_(status), code_(std::move(code)) {}

    unsigned status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }

    // Extra response headers the error carries, e.g. Allow on a 405 or Retry-After on a 429.
    const std::vector<std::pair<std::string, std::string>>& headers() const noexcept {
        return headers_;
    }
    ApiError&& with_header(std::string name, std::string value) && {
        headers_.emplace_back(std::move(name), std::move(value));
        return std::move(*this);
    }

    // Extra string fields of the error object, e.g. the id of what was stored before it failed.
    const std::vector<std::pair<std::string, std::string>>& details() const noexcept {
        return details_;
    }
    ApiError&& with_detail(std::string name, std::string value) && {
        details_.emplace_back(std::move(name), std::move(value));
        return std::move(*this);
    }

private:
    unsigned status_;
    std::string code_;
    std::vector<std::pair<std::string, std::string>> headers_;
    std::vector<std::pair<std::string, std::string>> details_;
};

}  // namespace companion::http
