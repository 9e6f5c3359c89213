#include "goals/goal_text.hpp"

#include <array>

namespace companion::goals::detail {

namespace {

constexpr std::string_view kLeftSingleQuote = "\xE2\x80\x98";
constexpr std::string_view kRightSingleQuote = "\xE2\x80\x99";
constexpr std::string_view kLeftDoubleQuote = "\xE2\x80\x9C";
constexpr std::string_view kRightDoubleQuote = "\xE2\x80\x9D";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";

// Closing marks that may follow a word's final punctuation, and opening marks before a word.
constexpr std::array<std::string_view, 7> kClosers{
    "\"", "'", ")", "]", "}", kRightDoubleQuote, kRightSingleQuote};
constexpr std::array<std::string_view, 7> kOpeners{
    "\"", "'", "(", "[", "{", kLeftDoubleQuote, kLeftSingleQuote};
constexpr std::array<std::string_view, 7> kTrailingPunctuation{".", ",", ";",      ":",
                                                               "!", "?", kEllipsis};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_dash(std::string_view raw) {
    return raw == "-" || raw == "--" || raw == "---" || raw == "\xE2\x80\x93" ||
           raw == "\xE2\x80\x94";
}

std::string key_of(std::string_view raw) {
    std::string key;
    key.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const std::string_view rest = raw.substr(i);
        if (rest.starts_with(kRightSingleQuote) || rest.starts_with(kLeftSingleQuote)) {
            key += '\'';
            i += 2;
            continue;
        }
        const char c = raw[i];
        key += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    std::size_t first = 0;
    while (first < key.size() && !is_key_char(key[first])) ++first;
    std::size_t last = key.size();
    while (last > first && !is_key_char(key[last - 1])) --last;
    return key.substr(first, last - first);
}

// Removes one of `marks` from the end of `text`; false when none is there.
template <std::size_t N>
bool drop_suffix(std::string_view& text, const std::array<std::string_view, N>& marks) {
    for (std::string_view mark : marks) {
        if (text.ends_with(mark)) {
            text.remove_suffix(mark.size());
            return true;
        }
    }
    return false;
}

template <std::size_t N>
bool drop_prefix(std::string_view& text, const std::array<std::string_view, N>& marks) {
    for (std::string_view mark : marks) {
        if (text.starts_with(mark)) {
            text.remove_prefix(mark.size());
            return true;
        }
    }
    return false;
}

// Reads the punctuation at the end of a word: "June!", "marathon,", "really?!", "so...".
void read_boundary(GoalToken& token) {
    std::string_view rest = token.raw;
    while (drop_suffix(rest, kClosers)) {
    }
    int dots = 0;
    bool ellipsis = false;
    bool exclamation = false;
    bool question = false;
    bool clause_mark = false;
    for (;;) {
        if (rest.ends_with(kEllipsis)) {
            ellipsis = true;
            rest.remove_suffix(kEllipsis.size());
            continue;
        }
        if (rest.empty()) break;
        const char c = rest.back();
        if (c == '.') {
            ++dots;
        } else if (c == '!') {
            exclamation = true;
        } else if (c == '?') {
            question = true;
        } else if (c == ',' || c == ';' || c == ':') {
            clause_mark = true;
        } else {
            break;
        }
        rest.remove_suffix(1);
    }
    if (question || exclamation || dots == 1) {
        token.ends_sentence = true;
        token.question = question;
    }
    if (token.ends_sentence || clause_mark || ellipsis || dots > 1) token.ends_clause = true;
}

}  // namespace

std::vector<GoalToken> tokenize_goal_text(std::string_view message) {
    std::vector<GoalToken> tokens;
    std::size_t i = 0;
    while (i < message.size()) {
        bool line_break = false;
        while (i < message.size() && is_space(message[i])) {
            line_break = line_break || message[i] == '\n';
            ++i;
        }
        if (line_break && !tokens.empty()) {
            tokens.back().ends_sentence = true;
            tokens.back().ends_clause = true;
        }
        if (i >= message.size()) break;
        const std::size_t start = i;
        while (i < message.size() && !is_space(message[i])) ++i;
        const std::string_view raw = message.substr(start, i - start);
        if (is_dash(raw)) {
            if (!tokens.empty()) tokens.back().ends_clause = true;
            continue;
        }
        GoalToken token;
        token.raw = raw;
        token.key = key_of(raw);
        read_boundary(token);
        tokens.push_back(std::move(token));
    }
    if (!tokens.empty()) {
        tokens.back().ends_sentence = true;
        tokens.back().ends_clause = true;
    }
    return tokens;
}

std::string join_raw(std::span<const GoalToken* const> tokens) {
    std::string joined;
    for (const GoalToken* token : tokens) {
        if (!joined.empty()) joined += ' ';
        joined += token->raw;
    }
    std::string_view text = joined;
    while (drop_suffix(text, kClosers) || drop_suffix(text, kTrailingPunctuation)) {
    }
    while (drop_prefix(text, kOpeners)) {
    }
    return std::string(text);
}

}  // namespace companion::goals::detail
