// Splits a chat message into the tokens the emotion classifier reads: words (lower-cased, with
// their shouting and elongation cues), emoticons and emoji, and punctuation that carries tone or
// ends a clause. Invalid UTF-8 bytes are skipped, never an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace companion::emotion {

enum class TokenKind {
    word,          // letters, digits and inner apostrophes; text is lower-case ASCII
    symbol,        // one emoticon (":-)") or emoji (base code point, without modifiers)
    exclamation,   // a run of '!' (count = number of '!'); text "!"
    question,      // a run of '?' possibly mixed with '!'; text "?" or "?!"
    clause_break,  // . , ; : dashes, brackets; ends negation scope
};

struct Token {
    TokenKind kind = TokenKind::word;
    std::string text;
    bool all_caps = false;   // a word of two or more letters written in capitals ("HATE")
    bool elongated = false;  // a word with a letter repeated three times or more ("sooo")
    int count = 1;           // number of '!' for exclamation and question runs
};

std::vector<Token> tokenize(std::string_view text);

// Collapses runs of three or more equal letters to `keep` letters ("sooo" -> "so" for keep=1).
std::string collapse_repeats(std::string_view word, std::size_t keep);

}  // namespace companion::emotion
