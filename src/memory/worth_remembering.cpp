#include "memory/worth_remembering.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "memory/lexical_text.hpp"

namespace companion::memory {

namespace {

constexpr std::array<std::string_view, 10> kFirstPerson = {"i",  "me",  "my",     "mine", "myself",
                                                           "we", "us",  "our",    "ours", "im"};

struct SentenceWords {
    int content = 0;
    bool first_person = false;
};

SentenceWords count_words(std::string_view sentence) {
    lexical::AnalysedText analysed;
    lexical::split_words(sentence, analysed);
    SentenceWords counted;
    std::string stem_buffer;
    for (const auto& word : analysed.words) {
        if (word.kind == lexical::WordKind::emoji) continue;
        const auto text = analysed.text_of(word);
        if (std::find(kFirstPerson.begin(), kFirstPerson.end(), text) != kFirstPerson.end()) {
            counted.first_person = true;
            continue;
        }
        if (lexical::is_stop_word(text)) continue;
        stem_buffer.clear();
        if (lexical::is_weak_word(lexical::stem(text, word.ascii, stem_buffer))) continue;
        ++counted.content;
    }
    return counted;
}

}  // namespace

std::optional<double> worth_remembering(std::string_view message, double emotion_intensity) {
    bool keep = false;
    bool about_self = false;
    std::size_t start = 0;
    while (start < message.size()) {
        const auto end = message.find_first_of(".!?\n", start);
        const auto stop = end == std::string_view::npos ? message.size() : end;
        // A sentence ends at its last terminator ("really?!" is a question).
        auto after = stop;
        while (after < message.size() && (message[after] == '.' || message[after] == '!' ||
                                          message[after] == '?' || message[after] == '\n')) {
            ++after;
        }
        const auto terminators = message.substr(stop, after - stop);
        const bool question = terminators.find('?') != std::string_view::npos;
        if (!question) {
            const auto words = count_words(message.substr(start, stop - start));
            if (words.content >= 3 || (words.first_person && words.content >= 2)) {
                keep = true;
                about_self = about_self || words.first_person;
            }
        }
        start = after;
    }
    if (!keep) return std::nullopt;
    const double importance =
        0.5 + (about_self ? 0.2 : 0.0) + 0.3 * std::clamp(emotion_intensity, 0.0, 1.0);
    return std::min(1.0, importance);
}

}  // namespace companion::memory
