// What both backends share for Store::keyword_search_memories: the words a text is searched by
// (never query syntax: each backend quotes every word itself) and how ranks become scores.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace companion::store {

// At most this many distinct words of a text are searched for (the first ones): a long message
// costs no more than a long sentence.
inline constexpr std::size_t kMaxKeywords = 64;
// Longer "words" (pasted hashes, base64, a 10k-character run) are not searched for.
inline constexpr std::size_t kMaxKeywordBytes = 100;

// The distinct words of `text`, in order of first appearance, ASCII lower-cased: runs of ASCII
// letters and digits and of valid non-ASCII UTF-8 (ASCII punctuation, spaces, controls and invalid
// bytes separate; the backend's own tokenizer splits what remains, e.g. Unicode punctuation),
// without the builtin embedder's stop words (memory::lexical::is_stop_word), capped by
// kMaxKeywords and kMaxKeywordBytes. The words never contain a quote, a backslash or an operator
// character, and are valid UTF-8.
std::vector<std::string> keyword_terms(std::string_view text);

// Turns each hit's rank (higher is better, > 0) into its score relative to the best hit's: the
// best scores 1, a hit half as good 0.5. Hits of rank <= 0 score 0.
void scale_to_best(std::vector<ScoredMemory>& hits);

}  // namespace companion::store
