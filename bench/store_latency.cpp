// Latency and throughput of the store through its real backend: a primary-key read
// (find_conversation) and an insert (create_conversation) from 64 concurrent coroutines
// (BENCH_CONCURRENCY overrides the 64).
// Usage: bench_store_latency sqlite [OPS_PER_COROUTINE]
//        bench_store_latency postgresql POSTGRES_URL [OPS_PER_COROUTINE]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace asio = boost::asio;
using companion::store::Store;
using Clock = std::chrono::steady_clock;

namespace {

int concurrency = 64;

struct Samples {
    std::vector<double> micros;
    double seconds = 0;
};

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
    return values[index];
}

void report(const char* backend, const char* what, const Samples& samples) {
    std::printf("%s %s: ops=%zu ops_per_s=%.0f p50_us=%.0f p99_us=%.0f\n", backend, what,
                samples.micros.size(), static_cast<double>(samples.micros.size()) / samples.seconds,
                percentile(samples.micros, 0.50), percentile(samples.micros, 0.99));
}

template <class Operation>
asio::awaitable<void> worker(Operation& operation, Samples& samples, int coroutine, int ops) {
    for (int i = 0; i < ops; ++i) {
        const auto t0 = Clock::now();
        co_await operation(coroutine, i);
        samples.micros[static_cast<std::size_t>(coroutine * ops + i)] =
            std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    }
}

// Named coroutine functions rather than lambdas handed to co_spawn: g++ 12 double-frees a
// capturing coroutine lambda passed to co_spawn.
template <class Operation>
Samples measure(asio::io_context& io, int ops_per_coroutine, Operation operation) {
    Samples samples;
    samples.micros.resize(static_cast<std::size_t>(concurrency * ops_per_coroutine));
    const auto started = Clock::now();
    std::vector<std::future<void>> done;
    for (int c = 0; c < concurrency; ++c) {
        done.push_back(asio::co_spawn(io, worker(operation, samples, c, ops_per_coroutine),
                                      asio::use_future));
    }
    for (auto& future : done) future.get();
    samples.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return samples;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s sqlite|postgresql [POSTGRES_URL] [OPS]\n", argv[0]);
        return 2;
    }
    const std::string backend = argv[1];
    const bool postgres = backend == "postgresql";
    const int ops = argc > (postgres ? 3 : 2) ? std::atoi(argv[postgres ? 3 : 2]) : 200;
    if (const char* wanted = std::getenv("BENCH_CONCURRENCY")) concurrency = std::atoi(wanted);

    asio::io_context io(2);
    auto guard = asio::make_work_guard(io);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) threads.emplace_back([&io] { io.run(); });

    const auto dir = std::filesystem::temp_directory_path() / "companion-bench-store";
    std::filesystem::remove_all(dir);
    std::unique_ptr<Store> store;
    if (postgres) {
        companion::store::PgOptions options;
        options.url = argv[2];
        options.pool_size = 20;
        options.max_overflow = 40;
        store = companion::store::make_postgres_store(io.get_executor(), options);
    } else {
        store = companion::store::make_sqlite_store((dir / "bench.db").string());
    }
    auto run = [&](auto task) { return asio::co_spawn(io, std::move(task), asio::use_future).get(); };
    run(store->migrate_up());
    companion::store::NewUser user{"bench-" + std::to_string(std::random_device{}()), {}, "x", false};
    const auto owner = run(store->create_user(user));

    std::vector<std::string> ids(static_cast<std::size_t>(concurrency * ops));
    const auto inserts = measure(io, ops, [&](int c, int i) -> asio::awaitable<void> {
        auto conversation = co_await store->create_conversation(owner.id, "bench");
        ids[static_cast<std::size_t>(c * ops + i)] = conversation.id;
    });
    const auto reads = measure(io, ops, [&](int c, int i) -> asio::awaitable<void> {
        const auto& id = ids[static_cast<std::size_t>((c * ops + i * 7919) % (concurrency * ops))];
        auto found = co_await store->find_conversation(owner.id, id);
        if (!found) throw std::runtime_error("row missing");
    });
    std::printf("concurrency=%d io_threads=2\n", concurrency);
    report(backend.c_str(), "insert (create_conversation)", inserts);
    report(backend.c_str(), "primary-key read (find_conversation)", reads);

    run(store->delete_user(owner.id));
    store->close();
    guard.reset();
    for (auto& thread : threads) thread.join();
    std::filesystem::remove_all(dir);
    return 0;
}
