// Internal to metrics/: the pieces of the Prometheus text exposition format 0.0.4.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metrics/registry.hpp"

namespace companion::metrics::text {

// Whole numbers (up to 2^53) without exponent or decimals, others with the fewest digits that
// read back to the same double, printf %g style (0.0005, 1e-07, 1e+20, as the Go client prints
// them); +Inf, -Inf and NaN as Prometheus spells them.
void append_value(std::string& out, double value);

// "# HELP" (left out when help is empty) and "# TYPE" lines.
void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type);

struct Labels {
    const std::vector<std::string>& names;
    const std::vector<std::string>& values;  // one per name
};

// `name{labels} value`, without braces when there are no labels.
void append_sample(std::string& out, std::string_view name, const Labels& labels, double value);

// name_bucket lines (cumulative, le="+Inf" last), then name_sum and name_count.
void append_histogram(std::string& out, std::string_view name, const Labels& labels,
                      const Histogram::Snapshot& snapshot);

}  // namespace companion::metrics::text
