#include "metrics/text_format.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace companion::metrics::text {
namespace {

// Whole numbers up to 2^53 are exact in a double, so they print as integers.
constexpr double max_exact_integer = 9007199254740992.0;

void append_escaped(std::string& out, std::string_view text, bool escape_quotes) {
    for (const char c : text) {
        if (c == '\\' || c == '\n' || (c == '"' && escape_quotes)) out += '\\';
        out += c == '\n' ? 'n' : c;
    }
}

// `le` is the bucket bound of a histogram sample, empty otherwise.
void append_line(std::string& out, std::string_view name, std::string_view suffix,
                 const Labels& labels, std::string_view le, double value) {
    out.append(name).append(suffix);
    if (!labels.names.empty() || !le.empty()) {
        out += '{';
        for (std::size_t i = 0; i < labels.names.size(); ++i) {
            out.append(i == 0 ? "" : ",").append(labels.names[i]).append("=\"");
            append_escaped(out, labels.values[i], true);
            out += '"';
        }
        if (!le.empty()) out.append(labels.names.empty() ? "" : ",").append("le=\"").append(le);
        out.append(le.empty() ? "}" : "\"}");
    }
    out += ' ';
    append_value(out, value);
    out += '\n';
}

}  // namespace

void append_value(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
    } else if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
    } else {
        std::array<char, 32> buffer{};
        char* const first = buffer.data();
        char* const last = buffer.data() + buffer.size();
        const bool whole = std::trunc(value) == value && std::fabs(value) <= max_exact_integer;
        const auto result = whole ? std::to_chars(first, last, static_cast<std::int64_t>(value))
                                  : std::to_chars(first, last, value, std::chars_format::general);
        out.append(first, result.ptr);
    }
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type) {
    if (!help.empty()) {
        out.append("# HELP ").append(name).append(" ");
        append_escaped(out, help, false);
        out += '\n';
    }
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void append_sample(std::string& out, std::string_view name, const Labels& labels, double value) {
    append_line(out, name, "", labels, "", value);
}

void append_histogram(std::string& out, std::string_view name, const Labels& labels,
                      const Histogram::Snapshot& snapshot) {
    std::string le;
    for (std::size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
        le.clear();
        append_value(le, snapshot.upper_bounds[i]);
        append_line(out, name, "_bucket", labels, le, static_cast<double>(snapshot.cumulative[i]));
    }
    append_line(out, name, "_bucket", labels, "+Inf",
                static_cast<double>(snapshot.cumulative.back()));
    append_line(out, name, "_sum", labels, "", snapshot.sum);
    append_line(out, name, "_count", labels, "", static_cast<double>(snapshot.count));
}

}  // namespace companion::metrics::text
