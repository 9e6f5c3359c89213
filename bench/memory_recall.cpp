// Recall latency for one user with 1,000, 10,000 and 100,000 memories of 384 dimensions, in one
// run: the in-process exact search (memory::MemoryIndex over its cached matrix, one query at a
// time on one thread) and the pgvector SQL fallback (Store::search_memories on PostgreSQL, one
// query at a time), p50 and p99 of each, the memory the cache takes, the load time, and recall
// checked against a brute-force reference in double precision for every query. Also the builtin
// embedder's time for a 4,000-character message.
//
// Needs the test PostgreSQL (after `eval "$(scripts/services.sh env)"`): a throwaway database is
// created through COMPANION_TEST_PG_ADMIN_URL and dropped at the end.
// Usage: bench_memory_recall [SIZES...]   (default: 1000 10000 100000)
#include <postgresql/libpq-fe.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "memory/builtin_embedder.hpp"
#include "memory/memory_index.hpp"
#include "memory/vector_math.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/store.hpp"

namespace asio = boost::asio;
namespace memory = companion::memory;
namespace store = companion::store;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kDimension = 384;
constexpr int kTopK = 5;           // LONG_TERM_MEMORY_TOP_K's default
constexpr double kMinScore = 0.2;  // MEMORY_SIMILARITY_THRESHOLD's builtin default
const std::string kModel = "bench-random/384";

std::string required_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        throw std::runtime_error(std::string(name) +
                                 " is not set: eval \"$(scripts/services.sh env)\" first");
    }
    return value;
}

std::string with_database(const std::string& url, const std::string& database) {
    const auto slash = url.find('/', url.find("://") + 3);
    const auto query = url.find('?', slash);
    return url.substr(0, slash + 1) + database +
           (query == std::string::npos ? std::string() : url.substr(query));
}

void admin(const std::string& url, const std::string& sql) {
    PGconn* connection = PQconnectdb(url.c_str());
    if (PQstatus(connection) != CONNECTION_OK) {
        const std::string message = PQerrorMessage(connection);
        PQfinish(connection);
        throw std::runtime_error("cannot connect: " + message);
    }
    PGresult* result = PQexec(connection, sql.c_str());
    const auto status = PQresultStatus(result);
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(connection);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw std::runtime_error("`" + sql.substr(0, 80) + "` failed: " + message);
    }
}

// Created on construction, dropped on destruction.
class ThrowawayDatabase {
  public:
    ThrowawayDatabase()
        : admin_url_(required_env("COMPANION_TEST_PG_ADMIN_URL")),
          name_("companion_bench_" + std::to_string(std::random_device{}())),
          url_(with_database(required_env("COMPANION_TEST_POSTGRES_URL"), name_)) {
        admin(admin_url_, "CREATE DATABASE " + name_ + " OWNER companion");
    }
    ~ThrowawayDatabase() {
        try {
            admin(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (const std::exception& error) {
            std::fprintf(stderr, "could not drop %s: %s\n", name_.c_str(), error.what());
        }
    }
    const std::string& url() const { return url_; }

  private:
    std::string admin_url_;
    std::string name_;
    std::string url_;
};

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

double cpu_micros() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

// The exact answer in double precision; a result is right when its scores match place by place
// (ids may differ only between scores within 1e-5 of each other).
bool matches_brute_force(const std::vector<store::ScoredMemory>& hits,
                         const std::vector<store::Memory>& rows, const std::vector<float>& query) {
    std::vector<std::pair<double, std::string>> scored;
    double query_norm = 0;
    for (const float x : query) query_norm += double(x) * double(x);
    for (const auto& row : rows) {
        double dot = 0, norm = 0;
        for (std::size_t i = 0; i < kDimension; ++i) {
            dot += double(row.embedding[i]) * double(query[i]);
            norm += double(row.embedding[i]) * double(row.embedding[i]);
        }
        const double score = dot / std::sqrt(norm * query_norm);
        if (score >= kMinScore) scored.emplace_back(score, row.id);
    }
    std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    if (scored.size() > static_cast<std::size_t>(kTopK)) scored.resize(kTopK);
    if (scored.size() != hits.size()) return false;
    for (std::size_t i = 0; i < hits.size(); ++i) {
        if (std::abs(hits[i].score - scored[i].first) > 1e-5) return false;
    }
    return true;
}

struct Latencies {
    std::vector<double> micros;
    std::vector<double> cpu_micros;  // of the thread that ran the search
    std::size_t exact = 0;
};

// Reads a buffer larger than the last-level cache: the next search starts with the matrix in
// memory only, as after a pause in which other requests ran.
void evict_caches() {
    static std::vector<char> buffer(std::size_t{64} << 20, 1);
    volatile char sink = 0;
    for (std::size_t i = 0; i < buffer.size(); i += 64) {
        buffer[i] = static_cast<char>(buffer[i] + 1);
        sink = static_cast<char>(sink + buffer[i]);
    }
}

// One query at a time; the answers are checked after all of them, so that checking does not
// disturb the caches between searches (unless `cold`).
asio::awaitable<Latencies> time_index(memory::MemoryIndex& index, std::string user,
                                      const std::vector<std::vector<float>>& queries,
                                      const std::vector<store::Memory>& rows, bool cold) {
    Latencies latencies;
    std::vector<std::vector<store::ScoredMemory>> answers;
    for (const auto& query : queries) {
        if (cold) evict_caches();
        const auto started = Clock::now();
        const double cpu_started = cpu_micros();
        auto hits = co_await index.search(user, query, kTopK, kMinScore);
        latencies.cpu_micros.push_back(cpu_micros() - cpu_started);
        latencies.micros.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - started).count());
        answers.push_back(std::move(hits));
    }
    for (std::size_t q = 0; q < queries.size(); ++q) {
        if (matches_brute_force(answers[q], rows, queries[q])) ++latencies.exact;
    }
    co_return latencies;
}

asio::awaitable<Latencies> time_sql(store::Store& store, std::string user,
                                    const std::vector<std::vector<float>>& queries,
                                    const std::vector<store::Memory>& rows) {
    Latencies latencies;
    for (const auto& query : queries) {
        const auto started = Clock::now();
        const auto hits = co_await store.search_memories(user, query, kModel, kMinScore, kTopK);
        latencies.micros.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - started).count());
        if (matches_brute_force(hits, rows, query)) ++latencies.exact;
    }
    co_return latencies;
}

void report(const char* path, std::size_t rows, const Latencies& latencies) {
    std::printf("%-28s rows=%-7zu queries=%-5zu p50_us=%-9.1f p99_us=%-9.1f recall=%zu/%zu", path,
                rows, latencies.micros.size(), percentile(latencies.micros, 0.5),
                percentile(latencies.micros, 0.99), latencies.exact, latencies.micros.size());
    if (!latencies.cpu_micros.empty()) {
        std::printf(" cpu_p50_us=%.1f", percentile(latencies.cpu_micros, 0.5));
    }
    std::printf("\n");
}

void bench_embedder() {
    const memory::BuiltinEmbedder embedder(384);
    const std::vector<std::string> sentences = {
        "I'm training for the Berlin marathon in September and my knee hurts after long runs.",
        "My sister Anna moved to Toronto last spring; we talk every Sunday evening.",
        "Work has been stressful since the reorganisation, and I sleep badly most nights.",
        "We adopted a cat called Miso who hides under the bed whenever the vacuum is on.",
        "I started learning Spanish with an app and practise vocabulary on the train.",
        "Dad's surgery went well, though the recovery will take about six weeks at home.",
        "Our jazz band has a gig on Friday, so I need to practise the guitar solos tonight.",
        "I want to save enough for a house deposit by next year, which means cutting costs.",
    };
    std::string message;
    for (std::size_t i = 0; message.size() < 4000; ++i) {
        message += sentences[i % sentences.size()] + " (" + std::to_string(i) + ") ";
    }
    message.resize(4000);
    std::vector<double> cpu, wall;
    for (int i = 0; i < 3000; ++i) {
        const double cpu_started = cpu_micros();
        const auto started = Clock::now();
        const auto vector = embedder.embed_text(message);
        wall.push_back(std::chrono::duration<double, std::micro>(Clock::now() - started).count());
        cpu.push_back(cpu_micros() - cpu_started);
        if (vector.size() != 384) throw std::logic_error("wrong dimension");
    }
    std::printf("builtin embedder, 4000 chars: p50_us=%.1f p99_us=%.1f (cpu p50_us=%.1f)\n",
                percentile(wall, 0.5), percentile(wall, 0.99), percentile(cpu, 0.5));
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(static_cast<std::size_t>(std::atol(argv[i])));
    if (sizes.empty()) sizes = {1000, 10000, 100000};
    try {
        std::printf("dot kernel: %s\n", std::string(memory::dot_rows_kernel()).c_str());
        bench_embedder();

        ThrowawayDatabase database;
        asio::io_context io;
        auto guard = asio::make_work_guard(io);
        std::thread io_thread([&io] { io.run(); });  // one thread: the searches run on it
        auto run = [&](auto task) {
            return asio::co_spawn(io, std::move(task), asio::use_future).get();
        };
        store::PgOptions options;
        options.url = database.url();
        options.pool_size = 2;
        options.statement_timeout = std::chrono::milliseconds(600000);
        auto store = store::make_postgres_store(io.get_executor(), options);
        run(store->migrate_up());

        std::mt19937 rng(42);
        std::normal_distribution<float> normal;
        for (const std::size_t size : sizes) {
            const auto user = run(store->create_user(
                store::NewUser{"bench-" + std::to_string(size), std::nullopt, "x", false}));
            // Generated by the server: random vectors (uniform in [-0.5, 0.5) per coordinate).
            const auto load_started = Clock::now();
            admin(
                database.url(),
                "INSERT INTO memories (id, user_id, content, embedding, embedding_model, "
                "embedding_dimension, importance, created_at, updated_at) SELECT "
                "gen_random_uuid(), '" +
                    user.id +
                    "'::uuid, 'memory ' || g, (SELECT "
                    "array_agg(random() - 0.5)::vector FROM generate_series(1, 384) WHERE g > 0), "
                    "'" +
                    kModel + "', 384, 0.5, now(), now() FROM generate_series(1, " +
                    std::to_string(size) + ") AS g");
            admin(database.url(), "ANALYZE memories");
            const double insert_seconds =
                std::chrono::duration<double>(Clock::now() - load_started).count();
            const auto rows = run(store->load_memories(user.id));

            // Queries: half near a stored memory (so that the threshold keeps something), half
            // random (nothing passes it).
            const std::size_t query_count = size >= 100000 ? 200 : 1000;
            std::vector<std::vector<float>> queries;
            std::uniform_int_distribution<std::size_t> pick(0, rows.size() - 1);
            for (std::size_t q = 0; q < query_count; ++q) {
                std::vector<float> query(kDimension);
                if (q % 2 == 0) {
                    const auto& base = rows[pick(rng)].embedding;
                    for (std::size_t i = 0; i < kDimension; ++i) {
                        query[i] = base[i] + 0.02f * normal(rng);
                    }
                } else {
                    for (float& x : query) x = normal(rng);
                }
                queries.push_back(std::move(query));
            }

            memory::MatrixCacheOptions cache_options;
            cache_options.model = kModel;
            cache_options.max_bytes = std::size_t{1} << 30;
            memory::MemoryIndex index(*store, cache_options);
            // The first search is answered by the store and starts loading the user.
            const auto cold_started = Clock::now();
            run(index.search(user.id, queries[0], kTopK, kMinScore));
            while (!index.cache().contains(user.id)) {
                if (index.loads_in_flight() == 0) throw std::runtime_error("the load failed");
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            const double load_ms =
                std::chrono::duration<double, std::milli>(Clock::now() - cold_started).count();
            const auto stats = index.cache().stats();

            const auto in_process = run(time_index(index, user.id, queries, rows, false));
            std::vector<std::vector<float>> cold_queries(
                queries.begin(),
                queries.begin() + static_cast<std::ptrdiff_t>(size >= 100000 ? 100 : 300));
            const auto in_process_cold = run(time_index(index, user.id, cold_queries, rows, true));
            std::vector<std::vector<float>> sql_queries(
                queries.begin(),
                queries.begin() + static_cast<std::ptrdiff_t>(size >= 100000 ? 40 : 200));
            const auto sql = run(time_sql(*store, user.id, sql_queries, rows));

            std::printf("--- %zu memories x %zu dimensions (inserted in %.1f s)\n", size,
                        kDimension, insert_seconds);
            report("in-process, matrix cached", size, in_process);
            report("in-process, cold caches", size, in_process_cold);
            report("pgvector SQL fallback", size, sql);
            std::printf("%-28s rows=%-7zu bytes=%zu (%.1f MiB, %.0f per memory) load_ms=%.1f\n",
                        "index cache", stats.rows, stats.bytes,
                        static_cast<double>(stats.bytes) / (1 << 20),
                        static_cast<double>(stats.bytes) / static_cast<double>(stats.rows),
                        load_ms);
            std::fflush(stdout);
        }
        store->close();
        guard.reset();
        io_thread.join();
        store.reset();
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bench_memory_recall: %s\n", error.what());
        return 1;
    }
}
