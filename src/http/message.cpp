#include "http/message.hpp"

#include <algorithm>
#include <cctype>

namespace companion::http {

Method parse_method(std::string_view name) {
    static constexpr std::pair<std::string_view, Method> methods[] = {
        {"GET", Method::get},       {"HEAD", Method::head},         {"POST", Method::post},
        {"PUT", Method::put},       {"PATCH", Method::patch},       {"DELETE", Method::delete_},
        {"OPTIONS", Method::options},
    };
    for (const auto& [text, method] : methods) {
        if (text == name) return method;
    }
    return Method::other;
}

std::string_view to_string(Method method) {
    switch (method) {
        case Method::get: return "GET";
        case Method::head: return "HEAD";
        case Method::post: return "POST";
        case Method::put: return "PUT";
        case Method::patch: return "PATCH";
        case Method::delete_: return "DELETE";
        case Method::options: return "OPTIONS";
        case Method::other: break;
    }
    return "OTHER";
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view Request::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return {};
}

bool Request::has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& header) { return iequals(header.first, name); });
}

std::string_view Request::param(std::string_view name) const {
    for (const auto& [key, value] : params) {
        if (key == name) return value;
    }
    return {};
}

void Response::set_header(std::string_view name, std::string value) {
    std::erase_if(headers, [&](const auto& header) { return iequals(header.first, name); });
    headers.emplace_back(std::string(name), std::move(value));
}

void Response::set_header_if_absent(std::string_view name, std::string value) {
    if (header(name).empty()) headers.emplace_back(std::string(name), std::move(value));
}

std::string_view Response::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return {};
}

}  // namespace companion::http
