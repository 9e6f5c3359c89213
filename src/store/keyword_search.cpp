#include "store/keyword_search.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <string>

#include "memory/lexical_text.hpp"
#include "util/utf8.hpp"

namespace companion::store {

namespace {

bool is_ascii_alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::vector<std::string> keyword_terms(std::string_view text) {
    std::vector<std::string> terms;
    std::set<std::string, std::less<>> seen;
    std::string word;
    const auto finish_word = [&] {
        if (!word.empty() && word.size() <= kMaxKeywordBytes &&
            !memory::lexical::is_stop_word(word) && seen.insert(word).second) {
            terms.push_back(word);
        }
        word.clear();
    };
    std::size_t at = 0;
    while (at < text.size() && terms.size() < kMaxKeywords) {
        const auto byte = static_cast<unsigned char>(text[at]);
        if (byte < 0x80) {
            if (is_ascii_alnum(byte)) {
                word += ascii_lower(text[at]);
            } else {
                finish_word();
            }
            ++at;
            continue;
        }
        const auto length = util::utf8_sequence_length(text.substr(at));
        if (length == 0) {  // invalid UTF-8 separates
            finish_word();
            ++at;
            continue;
        }
        word.append(text.substr(at, length));
        at += length;
    }
    if (terms.size() < kMaxKeywords) finish_word();
    return terms;
}

void scale_to_best(std::vector<ScoredMemory>& hits) {
    double best = 0;
    for (const auto& hit : hits) best = std::max(best, hit.score);
    for (auto& hit : hits) hit.score = best > 0 && hit.score > 0 ? hit.score / best : 0.0;
}

}  // namespace companion::store
