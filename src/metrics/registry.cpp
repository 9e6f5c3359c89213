#include "metrics/registry.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "metrics/process_metrics.hpp"
#include "metrics/text_format.hpp"

namespace companion::metrics {
namespace {

constexpr std::size_t shard_count = 16;

bool matches_name_grammar(std::string_view name, bool allow_colon) {
    const auto head = [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
               (allow_colon && c == ':');
    };
    if (name.empty() || !head(name.front())) return false;
    return std::all_of(name.begin() + 1, name.end(),
                       [&](char c) { return head(c) || (c >= '0' && c <= '9'); });
}

void check_metric_name(const std::string& name) {
    if (!matches_name_grammar(name, true)) {
        throw std::invalid_argument("invalid metric name '" + name + "'");
    }
}

void check_label_names(const std::string& metric, const std::vector<std::string>& labels) {
    for (auto it = labels.begin(); it != labels.end(); ++it) {
        if (!matches_name_grammar(*it, false) || it->starts_with("__") || *it == "le") {
            throw std::invalid_argument("invalid label name '" + *it + "' for " + metric);
        }
        if (std::find(labels.begin(), it, *it) != it) {
            throw std::invalid_argument("duplicate label name '" + *it + "' for " + metric);
        }
    }
}

const std::vector<double>& checked_bounds(const std::vector<double>& bounds) {
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
            throw std::invalid_argument("histogram bounds must be finite and strictly increasing");
        }
    }
    return bounds;
}

// Length-prefixed so that no two lists of label values share a key.
template <class Values>
std::string series_key(const Values& values) {
    std::string key;
    for (std::string_view value : values) {
        key += std::to_string(value.size());
        key += ':';
        key += value;
    }
    return key;
}

}  // namespace

template <class Series>
struct Family<Series>::Impl {
    struct Entry {
        template <class... Args>
        explicit Entry(std::vector<std::string> values, const Args&... args)
            : label_values(std::move(values)), series(args...) {}
        std::vector<std::string> label_values;
        Series series;
    };
    struct Shard {
        mutable std::shared_mutex mutex;
        std::unordered_map<std::string, std::unique_ptr<Entry>> entries;
    };

    Impl(std::string name_, std::string help_, std::vector<std::string> labels,
         std::vector<double> bounds)
        : name(std::move(name_)),
          help(std::move(help_)),
          label_names(std::move(labels)),
          upper_bounds(std::move(bounds)) {}

    template <class Values>
    Series& resolve(const Values& values) {
        if (values.size() != label_names.size()) {
            throw std::invalid_argument(name + " takes " + std::to_string(label_names.size()) +
                                        " label values, got " + std::to_string(values.size()));
        }
        std::string key = series_key(values);
        Shard& shard = shards[std::hash<std::string>{}(key) % shard_count];
        {
            std::shared_lock lock(shard.mutex);
            const auto it = shard.entries.find(key);
            if (it != shard.entries.end()) return it->second->series;
        }
        auto entry = make_entry(values);
        std::unique_lock lock(shard.mutex);
        return shard.entries.try_emplace(std::move(key), std::move(entry)).first->second->series;
    }

    template <class Values>
    std::unique_ptr<Entry> make_entry(const Values& values) const {
        std::vector<std::string> copy(values.begin(), values.end());
        if constexpr (std::is_same_v<Series, Histogram>) {
            return std::make_unique<Entry>(std::move(copy), upper_bounds);
        } else {
            return std::make_unique<Entry>(std::move(copy));
        }
    }

    std::vector<const Entry*> sorted_entries() const {
        std::vector<const Entry*> sorted;
        for (const Shard& shard : shards) {
            std::shared_lock lock(shard.mutex);
            for (const auto& [key, entry] : shard.entries) sorted.push_back(entry.get());
        }
        std::sort(sorted.begin(), sorted.end(),
                  [](const Entry* a, const Entry* b) { return a->label_values < b->label_values; });
        return sorted;
    }

    std::string name;
    std::string help;
    std::vector<std::string> label_names;
    std::vector<double> upper_bounds;  // histograms only
    std::array<Shard, shard_count> shards;
};

template <class Series>
Family<Series>::Family(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

template <class Series>
Family<Series>::~Family() = default;

template <class Series>
Series& Family<Series>::with(std::initializer_list<std::string_view> label_values) {
    return impl_->resolve(label_values);
}

template <class Series>
Series& Family<Series>::with(const std::vector<std::string>& label_values) {
    return impl_->resolve(label_values);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

namespace {

template <class Series>
void append_family(std::string& out, Family<Series>& family) {
    const auto& impl = family.impl();
    constexpr bool histogram = std::is_same_v<Series, Histogram>;
    constexpr std::string_view type =
        histogram ? "histogram" : (std::is_same_v<Series, Counter> ? "counter" : "gauge");
    text::append_header(out, impl.name, impl.help, type);
    for (const auto* entry : impl.sorted_entries()) {
        const text::Labels labels{impl.label_names, entry->label_values};
        if constexpr (histogram) {
            text::append_histogram(out, impl.name, labels, entry->series.snapshot());
        } else {
            text::append_sample(out, impl.name, labels, entry->series.value());
        }
    }
}

void append_process_metrics(std::string& out) {
    const std::vector<std::string> none;
    for (const auto& sample : process::collect()) {
        text::append_header(out, sample.name, sample.help, sample.type);
        text::append_sample(out, sample.name, text::Labels{none, none}, sample.value);
    }
}

using AnyFamily = std::variant<std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
                               std::unique_ptr<Family<Histogram>>>;

template <class Series>
Family<Series>& same_family(AnyFamily& slot, const std::string& name,
                            const std::vector<std::string>& labels,
                            const std::vector<double>& bounds) {
    auto* family = std::get_if<std::unique_ptr<Family<Series>>>(&slot);
    if (family == nullptr) {
        throw std::invalid_argument(name + " is already registered with another type");
    }
    if ((*family)->impl().label_names != labels || (*family)->impl().upper_bounds != bounds) {
        throw std::invalid_argument(name + " is already registered with other labels or buckets");
    }
    return **family;
}

}  // namespace

void Counter::inc(double amount) noexcept {
    if (!(amount >= 0)) return;  // also drops NaN, which would poison the total for good
    value_.fetch_add(amount, std::memory_order_relaxed);
}

double Counter::value() const noexcept {
    return value_.load(std::memory_order_relaxed);
}

void Gauge::set(double value) noexcept {
    value_.store(value, std::memory_order_relaxed);
}

void Gauge::inc(double amount) noexcept {
    value_.fetch_add(amount, std::memory_order_relaxed);
}

void Gauge::dec(double amount) noexcept {
    value_.fetch_sub(amount, std::memory_order_relaxed);
}

double Gauge::value() const noexcept {
    return value_.load(std::memory_order_relaxed);
}

Histogram::Histogram(const std::vector<double>& upper_bounds)
    : upper_bounds_(checked_bounds(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds.size() + 1)) {}

void Histogram::observe(double value) noexcept {
    // !(value <= bound) rather than bound < value so that NaN lands in the +Inf bucket.
    const auto bucket = std::partition_point(upper_bounds_.begin(), upper_bounds_.end(),
                                             [value](double bound) { return !(value <= bound); });
    buckets_[bucket - upper_bounds_.begin()].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot snapshot;
    snapshot.upper_bounds = upper_bounds_;
    snapshot.cumulative.reserve(upper_bounds_.size() + 1);
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        snapshot.cumulative.push_back(running);
    }
    snapshot.count = running;
    snapshot.sum = sum_.load(std::memory_order_relaxed);
    return snapshot;
}

const std::vector<double>& default_latency_buckets() {
    static const std::vector<double> buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                0.1,    0.25,  0.5,    1,     2.5,  5,     10};
    return buckets;
}

struct Registry::Impl {
    template <class Series>
    Family<Series>& add(std::string name, std::string help, std::vector<std::string> labels,
                        std::vector<double> bounds) {
        constexpr bool histogram = std::is_same_v<Series, Histogram>;
        check_metric_name(name);
        check_label_names(name, labels);
        if constexpr (histogram) checked_bounds(bounds);
        std::lock_guard lock(mutex);
        if (const auto it = by_name.find(name); it != by_name.end()) {
            return same_family<Series>(families[it->second], name, labels, bounds);
        }
        // Two families must never print the same sample name (e.g. a counter x_count, histogram x).
        claim(histogram ? std::vector{name, name + "_bucket", name + "_sum", name + "_count"}
                        : std::vector{name});
        auto family =
            std::make_unique<Family<Series>>(std::make_unique<typename Family<Series>::Impl>(
                name, std::move(help), std::move(labels), std::move(bounds)));
        if (family->impl().label_names.empty()) family->with({});
        by_name.emplace(std::move(name), families.size());
        return *std::get<std::unique_ptr<Family<Series>>>(families.emplace_back(std::move(family)));
    }

    void claim(const std::vector<std::string>& names) {
        for (const auto& name : names) {
            if (taken.contains(name)) throw std::invalid_argument(name + " is already exposed");
        }
        taken.insert(names.begin(), names.end());
    }

    mutable std::mutex mutex;
    std::vector<AnyFamily> families;                       // registration order
    std::unordered_map<std::string, std::size_t> by_name;  // family name -> index in families
    std::unordered_set<std::string> taken;                 // sample names in use
    bool process_metrics = false;
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}

Registry::~Registry() = default;

Family<Counter>& Registry::counter(std::string name, std::string help,
                                   std::vector<std::string> label_names) {
    return impl_->add<Counter>(std::move(name), std::move(help), std::move(label_names), {});
}

Family<Gauge>& Registry::gauge(std::string name, std::string help,
                               std::vector<std::string> label_names) {
    return impl_->add<Gauge>(std::move(name), std::move(help), std::move(label_names), {});
}

Family<Histogram>& Registry::histogram(std::string name, std::string help,
                                       std::vector<std::string> label_names,
                                       std::vector<double> upper_bounds) {
    return impl_->add<Histogram>(std::move(name), std::move(help), std::move(label_names),
                                 std::move(upper_bounds));
}

std::string Registry::expose() const {
    std::string out;
    std::lock_guard lock(impl_->mutex);
    for (const auto& family : impl_->families) {
        std::visit([&out](const auto& ptr) { append_family(out, *ptr); }, family);
    }
    if (impl_->process_metrics) append_process_metrics(out);
    return out;
}

void Registry::enable_process_metrics() {
    std::lock_guard lock(impl_->mutex);
    if (impl_->process_metrics) return;
    const auto& names = process::metric_names();
    impl_->claim(std::vector<std::string>(names.begin(), names.end()));
    impl_->process_metrics = true;
}

Registry& default_registry() {
    static Registry registry;
    return registry;
}

}  // namespace companion::metrics
