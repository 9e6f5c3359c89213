// A small Prometheus metrics registry: counters, gauges and histograms with label sets, exposed in
// the text format 0.0.4. The hot path (inc/observe on a series already resolved) is lock-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace companion::metrics {

class Counter {
public:
    // Counters only go up: a negative (or NaN) amount is ignored.
    void inc(double amount = 1.0) noexcept;
    double value() const noexcept;

private:
    std::atomic<double> value_{0.0};
};

class Gauge {
public:
    void set(double value) noexcept;
    void inc(double amount = 1.0) noexcept;
    void dec(double amount = 1.0) noexcept;
    double value() const noexcept;

private:
    std::atomic<double> value_{0.0};
};

class Histogram {
public:
    // upper_bounds: finite and strictly increasing (else std::invalid_argument); +Inf is implicit.
    explicit Histogram(const std::vector<double>& upper_bounds);
    // Counts value in the first bucket whose bound is >= value (NaN: the +Inf bucket).
    void observe(double value) noexcept;

    struct Snapshot {
        std::vector<double> upper_bounds;          // without +Inf
        std::vector<std::uint64_t> cumulative;     // one per bound, then +Inf last
        double sum = 0;
        std::uint64_t count = 0;                   // == cumulative.back()
    };
    // Not atomic as a whole: under concurrent observe() the sum may lag the counts by a few values.
    Snapshot snapshot() const;

private:
    std::vector<double> upper_bounds_;
    // Per bucket (not cumulative), +Inf last.
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<double> sum_{0.0};
};

// Default latency buckets in seconds, 0.5 ms (this service answers in well under 1 ms) to 10 s.
const std::vector<double>& default_latency_buckets();

// A named metric with fixed label names; with(...) finds or creates the series for label values
// (sharded maps, each behind a shared mutex: resolve once and keep the reference on hot paths).
// References stay valid for the registry's lifetime.
template <class Series>
class Family {
public:
    // One value per label name, in the order of the names (else std::invalid_argument).
    Series& with(std::initializer_list<std::string_view> label_values);
    Series& with(const std::vector<std::string>& label_values);

    // Implementation details live in registry.cpp (the template is instantiated there for the
    // three series types).
    struct Impl;
    explicit Family(std::unique_ptr<Impl> impl);
    ~Family();
    Impl& impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

class Registry {
public:
    Registry();
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // Registering the same name twice returns the same family (type, label names and histogram
    // bounds must then agree; the first help text stays), else std::invalid_argument, as for a
    // name that collides with another family's exposed series (e.g. a histogram's x_count).
    // Names and label names are checked against Prometheus' grammar; "le" and "__*" label names
    // are reserved. A family without labels has its one series (at 0) from registration on.
    Family<Counter>& counter(std::string name, std::string help,
                             std::vector<std::string> label_names = {});
    Family<Gauge>& gauge(std::string name, std::string help,
                         std::vector<std::string> label_names = {});
    Family<Histogram>& histogram(std::string name, std::string help,
                                 std::vector<std::string> label_names = {},
                                 std::vector<double> upper_bounds = default_latency_buckets());

    // Prometheus text exposition format 0.0.4 (HELP, TYPE, escaped label values, histogram
    // _bucket/_sum/_count with le="+Inf"), families in registration order, process metrics last,
    // series sorted by label values. An empty help leaves out the HELP line.
    std::string expose() const;

    // Adds process_resident_memory_bytes, process_virtual_memory_bytes, process_cpu_seconds_total,
    // process_open_fds, process_max_fds and process_start_time_seconds, read from /proc at each
    // expose() (one that cannot be read is left out). Idempotent; std::invalid_argument if a family
    // already uses one of these names.
    void enable_process_metrics();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// The process-wide registry the service exposes at /metrics.
Registry& default_registry();

}  // namespace companion::metrics
