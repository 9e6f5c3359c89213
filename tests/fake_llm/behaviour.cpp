#include "behaviour.hpp"

#include <functional>
#include <map>

namespace companion::fake_llm {
namespace {

namespace json = boost::json;

int to_int(const json::value& value, const std::string& key) {
    if (value.is_null()) return -1;
    if (!value.is_int64() && !value.is_uint64()) throw BadBehaviour(key + " must be an integer");
    return static_cast<int>(value.to_number<std::int64_t>());
}

bool to_bool(const json::value& value, const std::string& key) {
    if (!value.is_bool()) throw BadBehaviour(key + " must be true or false");
    return value.get_bool();
}

std::string to_text(const json::value& value, const std::string& key) {
    if (!value.is_string()) throw BadBehaviour(key + " must be a string");
    return std::string(value.get_string());
}

using Setter = std::function<void(Behaviour&, const json::value&, const std::string&)>;

template <class T, T Behaviour::*member>
Setter setter() {
    return [](Behaviour& b, const json::value& value, const std::string& key) {
        if constexpr (std::is_same_v<T, int>) {
            b.*member = to_int(value, key);
        } else if constexpr (std::is_same_v<T, bool>) {
            b.*member = to_bool(value, key);
        } else {
            b.*member = to_text(value, key);
        }
    };
}

const std::map<std::string, Setter>& setters() {
    using B = Behaviour;
    static const std::map<std::string, Setter> table = {
        {"reply", setter<std::string, &B::reply>()},
        {"model", setter<std::string, &B::model>()},
        {"status", setter<int, &B::status>()},
        {"error_message", setter<std::string, &B::error_message>()},
        {"retry_after", setter<int, &B::retry_after>()},
        {"first_token_delay_ms", setter<int, &B::first_token_delay_ms>()},
        {"token_interval_ms", setter<int, &B::token_interval_ms>()},
        {"disconnect_after_tokens", setter<int, &B::disconnect_after_tokens>()},
        {"malformed_after_tokens", setter<int, &B::malformed_after_tokens>()},
        {"error_after_tokens", setter<int, &B::error_after_tokens>()},
        {"hang", setter<bool, &B::hang>()},
        {"usage", setter<bool, &B::usage>()},
        {"crlf", setter<bool, &B::crlf>()},
        {"chunk_bytes", setter<int, &B::chunk_bytes>()},
        {"comments", setter<bool, &B::comments>()},
        {"ignore_stream", setter<bool, &B::ignore_stream>()},
        {"close_connection", setter<bool, &B::close_connection>()},
        {"embedding_dimensions", setter<int, &B::embedding_dimensions>()},
        {"models_status", setter<int, &B::models_status>()},
        {"require_api_key", setter<std::string, &B::require_api_key>()},
        {"tokens",
         [](Behaviour& b, const json::value& value, const std::string& key) {
             if (!value.is_array()) throw BadBehaviour(key + " must be an array of strings");
             b.tokens.clear();
             for (const auto& token : value.get_array()) b.tokens.push_back(to_text(token, key));
         }},
    };
    return table;
}

}  // namespace

Behaviour parse_behaviour(const json::object& object) {
    Behaviour behaviour;
    for (const auto& [key, value] : object) {
        const std::string name(key);
        if (name == "sequence") continue;  // handled by the server
        const auto found = setters().find(name);
        if (found == setters().end()) throw BadBehaviour("unknown behaviour key: " + name);
        found->second(behaviour, value, name);
    }
    if (behaviour.embedding_dimensions < 1) throw BadBehaviour("embedding_dimensions must be >= 1");
    if (behaviour.chunk_bytes < 0) throw BadBehaviour("chunk_bytes must be >= 0");
    return behaviour;
}

json::object overlay(json::object base, const json::object& override) {
    for (const auto& [key, value] : override) base[key] = value;
    return base;
}

std::vector<std::string> tokens_of(const Behaviour& behaviour) {
    if (!behaviour.tokens.empty()) return behaviour.tokens;
    std::vector<std::string> tokens;
    const std::string& reply = behaviour.reply;
    std::size_t start = 0;
    for (std::size_t i = 1; i <= reply.size(); ++i) {
        if (i == reply.size() || reply[i] == ' ') {
            tokens.push_back(reply.substr(start, i - start));
            start = i;
        }
    }
    return tokens;
}

}  // namespace companion::fake_llm
