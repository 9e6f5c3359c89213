#include "goals/goal_deadline.hpp"

#include <array>
#include <charconv>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace companion::goals::detail {

namespace {

using std::chrono::days;
using std::chrono::months;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month;
using std::chrono::year_month_day;

// A year named in a deadline must lie within this many years of today ("by 2027", "June 2030").
constexpr int kMaxYearsAhead = 50;
constexpr int kMaxDurationCount = 999;

struct Period {
    sys_days first;
    sys_days last;
};

// The periods a phrase may mean, earliest first ("June": this June and next June).
struct Candidates {
    std::vector<Period> periods;
    bool starts_after_today = false;  // "next June": not the one under way
};

// "by June" means the period's last day; "before June" the day before it begins.
enum class Mode { by, before };

class Reader {
  public:
    Reader(std::span<const GoalToken* const> tokens, std::size_t at) : tokens_(tokens), pos_(at) {
        end_ = tokens.size();
        for (std::size_t i = at; i < tokens.size(); ++i) {
            if (tokens[i]->ends_clause) {
                end_ = i + 1;
                break;
            }
        }
    }

    std::string_view peek(std::size_t ahead = 0) const {
        return pos_ + ahead < end_ ? std::string_view(tokens_[pos_ + ahead]->key)
                                   : std::string_view();
    }
    bool accept(std::string_view word) {
        if (peek() != word || word.empty()) return false;
        ++pos_;
        return true;
    }
    // All of `words` in a row, or nothing consumed.
    bool accept(std::initializer_list<std::string_view> words) {
        std::size_t ahead = 0;
        for (std::string_view word : words) {
            if (peek(ahead++) != word) return false;
        }
        pos_ += words.size();
        return true;
    }
    void skip(std::size_t count = 1) { pos_ += count; }
    std::size_t pos() const { return pos_; }
    void reset(std::size_t pos) { pos_ = pos; }

  private:
    std::span<const GoalToken* const> tokens_;
    std::size_t pos_;
    std::size_t end_;
};

std::optional<unsigned> month_of(std::string_view word) {
    static constexpr std::array<std::pair<std::string_view, unsigned>, 23> kMonths{{
        {"january", 1},   {"jan", 1},   {"february", 2},  {"feb", 2},      {"march", 3},
        {"mar", 3},       {"april", 4}, {"apr", 4},       {"may", 5},      {"june", 6},
        {"jun", 6},       {"july", 7},  {"jul", 7},       {"august", 8},   {"aug", 8},
        {"september", 9}, {"sept", 9},  {"sep", 9},       {"october", 10}, {"oct", 10},
        {"november", 11}, {"nov", 11},  {"december", 12},
    }};
    if (word == "dec") return 12;
    for (const auto& [name, number] : kMonths) {
        if (name == word) return number;
    }
    return std::nullopt;
}

// The month a season starts in (northern-hemisphere meteorological seasons, three months each).
std::optional<unsigned> season_start(std::string_view word) {
    if (word == "spring") return 3;
    if (word == "summer") return 6;
    if (word == "autumn" || word == "fall") return 9;
    if (word == "winter") return 12;
    return std::nullopt;
}

std::optional<int> integer_of(std::string_view text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// "15", "15th", "1st", "22nd", "3rd": 1..31.
std::optional<unsigned> day_of(std::string_view word) {
    for (std::string_view suffix : {"st", "nd", "rd", "th"}) {
        if (word.ends_with(suffix)) {
            word.remove_suffix(suffix.size());
            break;
        }
    }
    if (word.empty() || word.size() > 2) return std::nullopt;
    const auto day = integer_of(word);
    if (!day || *day < 1 || *day > 31) return std::nullopt;
    return static_cast<unsigned>(*day);
}

// A four-digit year from this year to kMaxYearsAhead years on.
std::optional<int> year_of(std::string_view word, year_month_day today) {
    if (word.size() != 4) return std::nullopt;
    const auto value = integer_of(word);
    const int now = static_cast<int>(today.year());
    if (!value || *value < now || *value > now + kMaxYearsAhead) return std::nullopt;
    return value;
}

bool looks_like_year(std::string_view word) {
    return word.size() == 4 && integer_of(word).has_value();
}

std::optional<int> count_of(Reader& reader) {
    static constexpr std::array<std::pair<std::string_view, int>, 16> kWords{{
        {"one", 1},
        {"two", 2},
        {"three", 3},
        {"four", 4},
        {"five", 5},
        {"six", 6},
        {"seven", 7},
        {"eight", 8},
        {"nine", 9},
        {"ten", 10},
        {"eleven", 11},
        {"twelve", 12},
        {"fifteen", 15},
        {"eighteen", 18},
        {"twenty", 20},
        {"thirty", 30},
    }};
    if (reader.accept({"a", "couple", "of"}) || reader.accept({"couple", "of"}) ||
        reader.accept({"a", "couple"})) {
        return 2;
    }
    if (reader.accept({"a", "few"}) || reader.accept("few")) return 3;
    if (reader.accept("a") || reader.accept("an")) return 1;
    for (const auto& [word, value] : kWords) {
        if (reader.accept(word)) return value;
    }
    const auto value = integer_of(reader.peek());
    if (!value || *value < 1 || *value > kMaxDurationCount) return std::nullopt;
    reader.skip();
    return value;
}

sys_days add_months(year_month_day date, int count) {
    const year_month target = year_month(date.year(), date.month()) + months(count);
    const year_month_day last{target / std::chrono::last};
    return sys_days(target / std::min(date.day(), last.day()));
}

Period month_period(year y, unsigned month) {
    const year_month ym(y, std::chrono::month(month));
    return {sys_days(ym / 1), sys_days(ym / std::chrono::last)};
}

Period season_period(year start_year, unsigned start_month) {
    const year_month first(start_year, std::chrono::month(start_month));
    return {sys_days(first / 1), sys_days((first + months(2)) / std::chrono::last)};
}

Period year_period(year y) {
    return {sys_days(y / 1 / 1), sys_days(y / 12 / 31)};
}

// "within 3 months", "in two weeks", "in a year": the date that far from today.
std::optional<sys_days> duration(Reader& reader, year_month_day today) {
    const auto count = count_of(reader);
    if (!count) return std::nullopt;
    const std::string_view unit = reader.peek();
    std::optional<sys_days> date;
    if (unit == "day" || unit == "days") date = sys_days(today) + days(*count);
    if (unit == "week" || unit == "weeks") date = sys_days(today) + days(7 * *count);
    if (unit == "month" || unit == "months") date = add_months(today, *count);
    if (unit == "year" || unit == "years") date = add_months(today, 12 * *count);
    if (!date || *date > add_months(today, 12 * kMaxYearsAhead)) return std::nullopt;
    reader.skip();
    return date;
}

// "June 15", "June 15th 2027", "15 June", "15th of June", "the 15th of June".
std::optional<Candidates> calendar_date(Reader& reader, year_month_day today) {
    const std::size_t start = reader.pos();
    std::optional<unsigned> month = month_of(reader.peek());
    std::optional<unsigned> day;
    if (month) {
        day = day_of(reader.peek(1));
        if (day) reader.skip(2);
    } else {
        reader.accept("the");
        day = day_of(reader.peek());
        if (day) {
            reader.skip();
            reader.accept("of");
            month = month_of(reader.peek());
            if (month) reader.skip();
        }
    }
    if (!month || !day) {
        reader.reset(start);
        return std::nullopt;
    }
    std::vector<int> years;
    if (looks_like_year(reader.peek())) {
        // A year too far away or past ("June 15 2020") leaves no candidate: no deadline.
        const auto named = year_of(reader.peek(), today);
        reader.skip();
        if (named) years.push_back(*named);
    } else {
        years = {static_cast<int>(today.year()), static_cast<int>(today.year()) + 1};
    }
    Candidates candidates;
    for (int y : years) {
        const year_month_day date{year(y), std::chrono::month(*month), std::chrono::day(*day)};
        if (date.ok()) candidates.periods.push_back({sys_days(date), sys_days(date)});
    }
    // An impossible date ("June 31") is no deadline at all, not "June" followed by a number.
    return candidates;
}

// "the year", "this month", "next week", "June", "next June", "May 2027", "summer", "the
// summer", "2027".
std::optional<Candidates> period(Reader& reader, year_month_day today) {
    const std::size_t start = reader.pos();
    const bool this_one = reader.accept("this");
    const bool next_one = !this_one && reader.accept("next");
    const bool article = !this_one && !next_one && reader.accept("the");
    const std::string_view word = reader.peek();
    const sys_days now(today);
    const year y = today.year();
    Candidates candidates;
    if (word == "year" || word == "month" || word == "week") {
        reader.skip();
        if (word == "year")
            candidates.periods = {year_period(next_one ? y + std::chrono::years(1) : y)};
        if (word == "month") {
            const year_month ym = year_month(y, today.month()) + months(next_one ? 1 : 0);
            candidates.periods = {month_period(ym.year(), static_cast<unsigned>(ym.month()))};
        }
        if (word == "week") {
            const sys_days monday =
                now - (std::chrono::weekday(now) - std::chrono::Monday) + days(next_one ? 7 : 0);
            candidates.periods = {{monday, monday + days(6)}};
        }
        return candidates;
    }
    if (const auto month = month_of(word); month && !article) {
        reader.skip();
        if (!this_one && !next_one && looks_like_year(reader.peek())) {
            const auto named = year_of(reader.peek(), today);
            reader.skip();
            if (named) candidates.periods = {month_period(year(*named), *month)};
        } else {
            candidates.periods = {month_period(y, *month),
                                  month_period(y + std::chrono::years(1), *month)};
            candidates.starts_after_today = next_one;
        }
        return candidates;
    }
    if (const auto season = season_start(word)) {
        reader.skip();
        if (!this_one && !next_one && looks_like_year(reader.peek())) {
            const auto named = year_of(reader.peek(), today);
            reader.skip();
            if (named) candidates.periods = {season_period(year(*named), *season)};
        } else {
            for (int offset = -1; offset <= 1; ++offset) {
                candidates.periods.push_back(
                    season_period(y + std::chrono::years(offset), *season));
            }
            candidates.starts_after_today = next_one;
        }
        return candidates;
    }
    if (looks_like_year(word) && !this_one && !next_one && !article) {
        reader.skip();
        if (const auto named = year_of(word, today))
            candidates.periods = {year_period(year(*named))};
        return candidates;
    }
    reader.reset(start);
    return std::nullopt;
}

// The first candidate's date that is not before today.
std::optional<sys_days> pick(const Candidates& candidates, Mode mode, year_month_day today) {
    const sys_days now(today);
    for (const Period& candidate : candidates.periods) {
        if (candidates.starts_after_today && candidate.first <= now) continue;
        const sys_days date = mode == Mode::by ? candidate.last : candidate.first - days(1);
        if (date >= now) return date;
    }
    return std::nullopt;
}

std::optional<sys_days> period_or_date(Reader& reader, Mode mode, year_month_day today) {
    if (auto date = calendar_date(reader, today)) return pick(*date, mode, today);
    if (auto named = period(reader, today)) return pick(*named, mode, today);
    return std::nullopt;
}

std::optional<sys_days> deadline(Reader& reader, year_month_day today) {
    const std::size_t start = reader.pos();
    // "by the end of June", "before the end of the year", "at the end of next month"
    for (std::string_view connector : {"by", "before", "until", "till", "til", "at"}) {
        if (reader.accept(connector) &&
            (reader.accept({"the", "end", "of"}) || reader.accept({"end", "of"}))) {
            auto named = period(reader, today);
            return named ? pick(*named, Mode::by, today) : std::nullopt;
        }
        reader.reset(start);
    }
    if (reader.accept({"no", "later", "than"}) || reader.accept("by") || reader.accept("until") ||
        reader.accept("till") || reader.accept("til")) {
        return period_or_date(reader, Mode::by, today);
    }
    if (reader.accept("before")) return period_or_date(reader, Mode::before, today);
    if (reader.accept({"within", "the", "next"}) || reader.accept({"in", "the", "next"}) ||
        reader.accept({"over", "the", "next"}) || reader.accept("within")) {
        return duration(reader, today);
    }
    if (reader.accept("in")) {
        const std::size_t after_in = reader.pos();
        if (auto date = duration(reader, today)) return date;
        reader.reset(after_in);
        auto named = period(reader, today);
        return named ? pick(*named, Mode::by, today) : std::nullopt;
    }
    // A bare "this year", "next month", "this summer".
    if (reader.peek() == "this" || reader.peek() == "next") {
        auto named = period(reader, today);
        return named ? pick(*named, Mode::by, today) : std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

std::optional<DeadlineMatch> match_deadline(std::span<const GoalToken* const> tokens,
                                            std::size_t at, year_month_day today) {
    Reader reader(tokens, at);
    const auto date = deadline(reader, today);
    if (!date || *date < sys_days(today)) return std::nullopt;
    return DeadlineMatch{reader.pos() - at, year_month_day(*date)};
}

std::string format_date(year_month_day date) {
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

}  // namespace companion::goals::detail
