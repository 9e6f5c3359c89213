#include "emotion/tokenizer.hpp"

#include <array>
#include <cstdint>
#include <utility>

#include "util/utf8.hpp"

namespace companion::emotion {

namespace {

struct Emoticon {
    std::string_view written;
    std::string_view canonical;  // the form the lexicon lists
};

// Longest first, so ">:(" wins over ":(".
constexpr std::array<Emoticon, 44> kEmoticons{{
    {">:-(", ">:("}, {":'-(", ":'("}, {">:(", ">:("}, {">:[", ">:("}, {":'(", ":'("},
    {":-)", ":)"},   {":-(", ":("},   {":-D", ":D"},  {":-P", ":P"},  {":-p", ":P"},
    {":-O", ":O"},   {":-o", ":O"},   {":-/", ":/"},  {":-|", ":|"},  {";-)", ";)"},
    {"</3", "</3"},  {"^_^", "^_^"},  {"o_O", "O_O"}, {"O_o", "O_O"}, {"O_O", "O_O"},
    {"o_o", "O_O"},  {"0_0", "O_O"},  {"T_T", "T_T"}, {";_;", "T_T"}, {"<3", "<3"},
    {":)", ":)"},    {":(", ":("},    {":D", ":D"},   {":P", ":P"},   {":p", ":P"},
    {":O", ":O"},    {":o", ":O"},    {":/", ":/"},   {":|", ":|"},   {":]", ":)"},
    {":[", ":("},    {":@", ">:("},   {";)", ";)"},   {"=)", ":)"},   {"=(", ":("},
    {"=D", ":D"},    {"^^", "^_^"},   {"xD", "xD"},   {"XD", "xD"},
}};

bool is_ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_ascii_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char to_lower_ascii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// The code point of the valid UTF-8 sequence of `length` bytes at the start of `bytes`.
std::uint32_t decode(std::string_view bytes, std::size_t length) {
    const auto byte = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]));
    };
    switch (length) {
        case 1:
            return byte(0);
        case 2:
            return ((byte(0) & 0x1Fu) << 6) | (byte(1) & 0x3Fu);
        case 3:
            return ((byte(0) & 0x0Fu) << 12) | ((byte(1) & 0x3Fu) << 6) | (byte(2) & 0x3Fu);
        default:
            return ((byte(0) & 0x07u) << 18) | ((byte(1) & 0x3Fu) << 12) |
                   ((byte(2) & 0x3Fu) << 6) | (byte(3) & 0x3Fu);
    }
}

bool is_latin_letter(std::uint32_t cp) {
    return cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7;
}
bool is_right_single_quote(std::uint32_t cp) {
    return cp == 0x2019;
}
// Presentation selectors, joiners and skin tones change how an emoji looks, not what it means.
bool is_emoji_modifier(std::uint32_t cp) {
    return cp == 0xFE0F || cp == 0xFE0E || cp == 0x200D || cp == 0x20E3 ||
           (cp >= 0x1F3FB && cp <= 0x1F3FF);
}
bool is_clause_break_code_point(std::uint32_t cp) {
    return cp == 0x2013 || cp == 0x2014 || cp == 0x2026;  // en dash, em dash, ellipsis
}

struct CodePoint {
    std::uint32_t value = 0;
    std::size_t length = 0;  // 0: invalid byte
};

CodePoint code_point_at(std::string_view text, std::size_t at) {
    const std::size_t length = util::utf8_sequence_length(text.substr(at));
    if (length == 0) return {};
    return {decode(text.substr(at), length), length};
}

// '!' and '?' in ASCII, fullwidth and the combined marks; adds to the counts, returns bytes used.
std::size_t read_tone_mark(std::string_view text, std::size_t at, int& exclamations,
                           int& questions) {
    const char c = text[at];
    if (c == '!') return ++exclamations, 1;
    if (c == '?') return ++questions, 1;
    if (static_cast<unsigned char>(c) < 0x80) return 0;
    const CodePoint cp = code_point_at(text, at);
    switch (cp.value) {
        case 0xFF01:
            ++exclamations;
            return cp.length;
        case 0xFF1F:
            ++questions;
            return cp.length;
        case 0x203C:
            exclamations += 2;
            return cp.length;  // ‼
        case 0x2049:
            ++exclamations, ++questions;
            return cp.length;  // ⁉
        case 0x2048:
            ++exclamations, ++questions;
            return cp.length;  // ⁈
        default:
            return 0;
    }
}

class Tokenizer {
  public:
    explicit Tokenizer(std::string_view text) : text_(text) {}

    std::vector<Token> run() {
        tokens_.reserve(text_.size() / 5 + 4);
        while (at_ < text_.size()) step();
        return std::move(tokens_);
    }

  private:
    void step() {
        const char c = text_[at_];
        if (try_emoticon()) return;
        if (is_ascii_alnum(c) || static_cast<unsigned char>(c) >= 0x80) {
            if (try_word()) return;
        }
        if (try_tone_marks()) return;
        if (static_cast<unsigned char>(c) < 0x80) {
            if (c == '.' || c == ',' || c == ';' || c == ':' || c == '(' || c == ')' || c == '[' ||
                c == ']' || c == '-') {
                add_clause_break();
            }
            ++at_;
            return;
        }
        const CodePoint cp = code_point_at(text_, at_);
        if (cp.length == 0) {  // an invalid byte: skip it
            ++at_;
            return;
        }
        if (is_clause_break_code_point(cp.value)) {
            add_clause_break();
        } else if (!is_emoji_modifier(cp.value) && cp.value >= 0x2000) {
            tokens_.push_back(Token{TokenKind::symbol, std::string(text_.substr(at_, cp.length))});
        }
        at_ += cp.length;
    }

    bool try_emoticon() {
        if (std::string_view(">:;=<^oO0TxX").find(text_[at_]) == std::string_view::npos)
            return false;
        const char previous = at_ == 0 ? ' ' : text_[at_ - 1];
        for (const Emoticon& emoticon : kEmoticons) {
            if (text_.substr(at_, emoticon.written.size()) != emoticon.written) continue;
            const bool starts_with_letter = is_ascii_alnum(emoticon.written.front());
            if (starts_with_letter && is_ascii_alnum(previous)) continue;
            if (previous == '/' || previous == ':') continue;
            const std::size_t end = at_ + emoticon.written.size();
            if (end < text_.size()) {
                const char next = text_[end];
                if (is_ascii_alnum(next) || next == '/' || next == ':') continue;
            }
            tokens_.push_back(Token{TokenKind::symbol, std::string(emoticon.canonical)});
            at_ = end;
            return true;
        }
        return false;
    }

    // Letters, digits, inner apostrophes (' or ’) and Latin letters with diacritics.
    bool try_word() {
        std::string word;
        std::size_t letters = 0;
        std::size_t upper = 0;
        std::size_t run = 0;
        char last = '\0';
        bool elongated = false;
        std::size_t pos = at_;
        while (pos < text_.size()) {
            const char c = text_[pos];
            if (is_ascii_alnum(c)) {
                const char lower = to_lower_ascii(c);
                if (is_ascii_letter(c)) {
                    ++letters;
                    if (c != lower) ++upper;
                    run = (lower == last) ? run + 1 : 1;
                    if (run >= 3) elongated = true;
                } else {
                    run = 0;
                }
                last = lower;
                word.push_back(lower);
                ++pos;
                continue;
            }
            const bool apostrophe_ascii = c == '\'';
            CodePoint cp{};
            if (static_cast<unsigned char>(c) >= 0x80) cp = code_point_at(text_, pos);
            if (cp.length > 0 && is_latin_letter(cp.value)) {
                word.append(text_.substr(pos, cp.length));
                ++letters;
                run = 0;
                last = '\0';
                pos += cp.length;
                continue;
            }
            const bool apostrophe =
                apostrophe_ascii || (cp.length > 0 && is_right_single_quote(cp.value));
            const std::size_t apostrophe_length = apostrophe_ascii ? 1 : cp.length;
            // An apostrophe belongs to the word only between two word characters ("don't").
            if (apostrophe && !word.empty() && pos + apostrophe_length < text_.size() &&
                is_ascii_alnum(text_[pos + apostrophe_length])) {
                word.push_back('\'');
                run = 0;
                last = '\0';
                pos += apostrophe_length;
                continue;
            }
            break;
        }
        if (word.empty()) return false;
        Token token{TokenKind::word, std::move(word)};
        token.all_caps = letters >= 2 && upper == letters;
        token.elongated = elongated;
        tokens_.push_back(std::move(token));
        at_ = pos;
        return true;
    }

    bool try_tone_marks() {
        int exclamations = 0;
        int questions = 0;
        std::size_t pos = at_;
        while (pos < text_.size()) {
            const std::size_t used = read_tone_mark(text_, pos, exclamations, questions);
            if (used == 0) break;
            pos += used;
        }
        if (pos == at_) return false;
        Token token;
        if (questions > 0) {
            token.kind = TokenKind::question;
            token.text = exclamations > 0 ? "?!" : "?";
        } else {
            token.kind = TokenKind::exclamation;
            token.text = "!";
        }
        token.count = exclamations;
        tokens_.push_back(std::move(token));
        at_ = pos;
        return true;
    }

    void add_clause_break() {
        if (!tokens_.empty() && tokens_.back().kind == TokenKind::clause_break) return;
        tokens_.push_back(Token{TokenKind::clause_break, "."});
    }

    std::string_view text_;
    std::size_t at_ = 0;
    std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
    return Tokenizer(text).run();
}

std::string collapse_repeats(std::string_view word, std::size_t keep) {
    std::string out;
    out.reserve(word.size());
    std::size_t i = 0;
    while (i < word.size()) {
        std::size_t j = i;
        while (j < word.size() && word[j] == word[i]) ++j;
        const std::size_t run = j - i;
        out.append(run >= 3 && is_ascii_letter(word[i]) ? keep : run, word[i]);
        i = j;
    }
    return out;
}

}  // namespace companion::emotion
