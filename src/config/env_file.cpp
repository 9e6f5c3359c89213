// Reading the env file (the dotenv KEY=VALUE format) and the process environment.
#include "config/settings.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

namespace companion::config {
namespace {

constexpr auto npos = std::string_view::npos;

struct Line {
    std::string_view file;
    std::size_t number;
};

[[noreturn]] void fail(const Line& line, const std::string& problem) {
    throw ConfigError(std::string(line.file) + ":" + std::to_string(line.number) + ": " + problem);
}

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return text;
}

bool is_valid_key(std::string_view key) {
    const auto letter = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    };
    return !key.empty() && letter(key.front()) && std::all_of(key.begin(), key.end(), [&](char c) {
        return letter(c) || (c >= '0' && c <= '9');
    });
}

// After a closing quote only blanks and a comment may follow.
void expect_end(const Line& line, std::string_view rest, const std::string& key) {
    rest = trim(rest);
    if (!rest.empty() && rest.front() != '#') {
        fail(line, "unexpected text after the closing quote of the value of " + key);
    }
}

std::string single_quoted(const Line& line, std::string_view text, const std::string& key) {
    const auto close = text.find('\'');
    if (close == npos) fail(line, "unterminated single quote in the value of " + key);
    expect_end(line, text.substr(close + 1), key);
    return std::string(text.substr(0, close));
}

std::string double_quoted(const Line& line, std::string_view text, const std::string& key) {
    std::string value;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if (text[i] == '"') {
            expect_end(line, text.substr(i + 1), key);
            return value;
        }
        if (text[i] == '\\' && (next == 'n' || next == '"' || next == '\\')) {
            value += next == 'n' ? '\n' : next;
            ++i;
        } else {
            value += text[i];
        }
    }
    fail(line, "unterminated double quote in the value of " + key);
}

// A comment starts at a '#' that follows a blank; text is everything after the '='.
std::string unquoted(std::string_view text) {
    for (std::size_t i = 1; i < text.size(); ++i) {
        if (text[i] == '#' && is_blank(text[i - 1])) return std::string(trim(text.substr(0, i)));
    }
    return std::string(trim(text));
}

std::string parse_value(const Line& line, std::string_view text, const std::string& key) {
    const std::string_view value = trim(text);
    if (value.starts_with('\'')) return single_quoted(line, value.substr(1), key);
    if (value.starts_with('"')) return double_quoted(line, value.substr(1), key);
    return unquoted(text);
}

void parse_line(const Line& line, std::string_view text, EnvMap& values) {
    text = trim(text);
    if (text.empty() || text.front() == '#') return;
    if (text.starts_with("export") && text.size() > 6 && is_blank(text[6])) {
        text = trim(text.substr(6));
    }
    const auto equals = text.find('=');
    if (equals == npos) fail(line, "expected KEY=VALUE");
    const std::string key(trim(text.substr(0, equals)));
    if (!is_valid_key(key)) {
        fail(line, "invalid variable name \"" + key.substr(0, 64) +
                       "\": expected letters, digits and _, not starting with a digit");
    }
    values.insert_or_assign(key, parse_value(line, text.substr(equals + 1), key));
}

}  // namespace

EnvMap parse_env_file_text(const std::string& text, const std::string& file_name) {
    constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";
    std::string_view rest = text;
    if (rest.starts_with(byte_order_mark)) rest.remove_prefix(byte_order_mark.size());
    EnvMap values;
    for (std::size_t number = 1; !rest.empty(); ++number) {
        const auto end = std::min(rest.find('\n'), rest.size());
        parse_line(Line{file_name, number}, rest.substr(0, end), values);
        rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    return values;
}

EnvMap read_env_file(const std::string& path) {
    const std::string problem = "cannot read env file \"" + path + "\": ";
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
        throw ConfigError(problem + "it is a directory");
    }
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int code = errno;
        throw ConfigError(problem + (code != 0 ? std::generic_category().message(code)
                                               : std::string("cannot open it")));
    }
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw ConfigError(problem + "read error");
    return parse_env_file_text(text, path);
}

EnvMap read_process_environment() {
    const auto& known = known_variables();
    EnvMap values;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const std::string name(text.substr(0, text.find('=')));
        if (name.size() < text.size() &&
            std::find(known.begin(), known.end(), name) != known.end()) {
            values.insert_or_assign(name, std::string(text.substr(name.size() + 1)));
        }
    }
    return values;
}

}  // namespace companion::config
