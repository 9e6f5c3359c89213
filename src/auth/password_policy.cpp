#include "auth/password_policy.hpp"

#include "util/utf8.hpp"

#include <algorithm>
#include <vector>

namespace companion::auth {
namespace {

constexpr std::size_t kMaxPatternCodePoints = 4;

bool is_ascii_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Surrounding ASCII whitespace dropped, ASCII letters lowered; other bytes kept as they are.
std::string normalize(std::string_view text) {
    while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_ascii_space(text.back())) text.remove_suffix(1);
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

// The code points of valid UTF-8 text, each as its bytes.
std::vector<std::string_view> code_points(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const auto length = util::utf8_sequence_length(text);
        if (length == 0) break;
        out.push_back(text.substr(0, length));
        text.remove_prefix(length);
    }
    return out;
}

// The smallest p with s[i] == s[i - p] for every i >= p, so that s repeats its first p elements,
// possibly cut short; s.size() when it repeats nothing. Knuth-Morris-Pratt borders, linear time.
template <typename Sequence>
std::size_t minimal_period(const Sequence& s) {
    if (s.empty()) return 0;
    std::vector<std::size_t> border(s.size(), 0);
    for (std::size_t i = 1; i < s.size(); ++i) {
        std::size_t k = border[i - 1];
        while (k > 0 && s[i] != s[k]) k = border[k - 1];
        if (s[i] == s[k]) ++k;
        border[i] = k;
    }
    return s.size() - border.back();
}

bool in_sorted_list(std::span<const std::string_view> list, std::string_view word) {
    return std::binary_search(list.begin(), list.end(), word);
}

bool is_username(std::string_view username, std::string_view password) {
    const auto name = normalize(username);
    return !name.empty() && name == normalize(password);
}

}  // namespace

bool is_common_password(std::string_view password) {
    const auto normalized = normalize(password);
    if (in_sorted_list(common_passwords(), normalized)) return true;
    const auto period = minimal_period(normalized);
    if (period == normalized.size()) return false;
    const auto unit = std::string_view(normalized).substr(0, period);
    return in_sorted_list(common_password_stems(), unit) ||
           in_sorted_list(common_passwords(), unit);
}

std::optional<std::string> password_policy_problem(std::string_view username,
                                                   std::string_view password) {
    if (password.size() > kMaxPasswordBytes) return "the password must be at most 1024 bytes long";
    const auto length = util::count_code_points(password);
    if (!length) return "the password must be valid UTF-8";
    if (*length < kMinPasswordCodePoints) return "the password must be at least 12 characters long";
    const auto period = minimal_period(code_points(password));
    if (period == 1) return "the password must not be a single character repeated";
    if (period <= kMaxPatternCodePoints) return "the password must not be a short pattern repeated";
    if (is_username(username, password)) return "the password must not be the username";
    if (is_common_password(password)) return "the password is too common";
    return std::nullopt;
}

}  // namespace companion::auth
