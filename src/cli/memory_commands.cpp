#include "cli/memory_commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "cache/redis_client.hpp"
#include "llm/llm_client.hpp"
#include "llm/llm_options.hpp"
#include "memory/embedder.hpp"
#include "memory/memory_events_redis.hpp"
#include "memory/reembed.hpp"
#include "metrics/registry.hpp"
#include "store/errors.hpp"
#include "store/open_store.hpp"

namespace companion::cli {

namespace {

namespace asio = boost::asio;

constexpr int kNeedsReembedding = 3;

// The store, the embedder (with its LLM client for EMBEDDING_PROVIDER=openai) and, with Redis,
// the channel that tells running replicas to drop what they cached; on an io_context of their
// own, run by one thread until everything is closed again.
class MemoryTools {
  public:
    explicit MemoryTools(const config::Settings& settings)
        : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {
        try {
            store_ = store::open_store(settings, io_.get_executor());
            if (settings.embedding_provider == config::EmbeddingProvider::openai) {
                auto options = llm::options_from_settings(settings);
                options.base_url = memory::embedding_base_url(settings);
                llm_ = std::make_unique<llm::LlmClient>(io_.get_executor(), options, registry_);
            }
            embedder_ = memory::make_embedder(settings, llm_.get());
            if (settings.redis_enabled) {
                redis_ =
                    std::make_unique<cache::RedisClient>(io_.get_executor(), settings.redis_url);
                events_ = std::make_unique<memory::RedisMemoryEvents>(*redis_, nullptr, nullptr);
            }
        } catch (...) {
            shut_down();
            throw;
        }
    }
    ~MemoryTools() { shut_down(); }
    MemoryTools(const MemoryTools&) = delete;
    MemoryTools& operator=(const MemoryTools&) = delete;

    template <class T>
    T run(asio::awaitable<T> task) {
        return asio::co_spawn(io_, std::move(task), asio::use_future).get();
    }

    store::Store& store() { return *store_; }
    memory::Embedder& embedder() { return *embedder_; }
    memory::MemoryEvents* events() { return events_.get(); }

    // Refuses an out-of-date schema: the columns this needs may not be there yet.
    void require_current_schema() {
        const auto status = run(store_->migration_status());
        if (!status.up_to_date()) {
            throw store::StoreError(fmt::format(
                "the database schema is at version {} of {}: run `companion migrate up` first",
                status.current_version, status.latest_version));
        }
    }

  private:
    void shut_down() {
        if (!thread_.joinable()) return;
        events_.reset();
        if (redis_) redis_->close();
        redis_.reset();
        embedder_.reset();
        llm_.reset();
        if (store_) store_->close();
        guard_.reset();
        thread_.join();
        store_.reset();
    }

    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::thread thread_;
    metrics::Registry registry_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<llm::LlmClient> llm_;
    std::unique_ptr<memory::Embedder> embedder_;
    std::unique_ptr<cache::RedisClient> redis_;
    std::unique_ptr<memory::RedisMemoryEvents> events_;
};

// A bar redrawn in place on a terminal; elsewhere (logs, tests) a line per tenth.
class ProgressBar {
  public:
    ProgressBar() : terminal_(isatty(STDERR_FILENO) == 1) {}

    void show(const memory::ReembedProgress& progress) {
        const std::int64_t total =
            std::max<std::int64_t>(progress.total, progress.done + progress.skipped);
        const std::int64_t seen = progress.done + progress.skipped;
        const int percent = total == 0 ? 100 : static_cast<int>(seen * 100 / total);
        if (terminal_) {
            constexpr int kWidth = 30;
            const int filled = percent * kWidth / 100;
            std::fprintf(stderr, "\rre-embedding [%s%s] %lld/%lld %3d%%",
                         std::string(static_cast<std::size_t>(filled), '#').c_str(),
                         std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(),
                         static_cast<long long>(seen), static_cast<long long>(total), percent);
            std::fflush(stderr);
            drawn_ = true;
        } else if (percent / 10 > last_tenth_ || seen == total) {
            last_tenth_ = percent / 10;
            std::fprintf(stderr, "re-embedded %lld/%lld (%d%%)\n", static_cast<long long>(seen),
                         static_cast<long long>(total), percent);
        }
    }

    void finish() {
        if (drawn_) std::fprintf(stderr, "\n");
        drawn_ = false;
    }

  private:
    bool terminal_;
    bool drawn_ = false;
    int last_tenth_ = -1;
};

void print_inventory(const memory::EmbeddingInventory& inventory) {
    std::printf("embedding model: %s\n", inventory.model.c_str());
    std::printf("  %-40s %12s\n", "model", "memories");
    std::printf("  %-40s %12lld  (current)\n", inventory.model.c_str(),
                static_cast<long long>(inventory.current));
    for (const auto& [model, count] : inventory.others) {
        std::printf("  %-40s %12lld\n", model.c_str(), static_cast<long long>(count));
    }
}

}  // namespace

int run_memory_status(const config::Settings& settings) {
    try {
        MemoryTools tools(settings);
        tools.require_current_schema();
        const auto inventory =
            tools.run(memory::take_inventory(tools.store(), tools.embedder().model_name()));
        print_inventory(inventory);
        if (inventory.outdated() == 0) {
            std::printf("every memory is embedded by %s\n", inventory.model.c_str());
            return 0;
        }
        std::printf(
            "%lld memories are embedded by other models and are not recalled: run "
            "`companion memory reembed`\n",
            static_cast<long long>(inventory.outdated()));
        return kNeedsReembedding;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "companion memory status: %s\n", error.what());
        return 1;
    }
}

int run_memory_reembed(const config::Settings& settings, const ReembedCommand& command) {
    memory::ReembedProgress last;
    ProgressBar bar;
    try {
        MemoryTools tools(settings);
        tools.require_current_schema();
        memory::ReembedOptions options;
        options.batch_size = command.batch_size;
        options.events = tools.events();
        options.on_progress = [&](const memory::ReembedProgress& progress) {
            last = progress;
            bar.show(progress);
        };
        const auto model = tools.embedder().model_name();
        const auto done = tools.run(memory::reembed(tools.store(), tools.embedder(), options));
        bar.finish();
        std::printf("re-embedded %lld memories with %s", static_cast<long long>(done.done),
                    model.c_str());
        if (done.skipped > 0) {
            std::printf(" (%lld edited meanwhile, already re-embedded by the edit)",
                        static_cast<long long>(done.skipped));
        }
        std::printf("\n");
        return 0;
    } catch (const std::exception& error) {
        bar.finish();
        std::fprintf(stderr,
                     "companion memory reembed: %s\n%lld memories were re-embedded before the "
                     "error and stay so; run the command again to continue\n",
                     error.what(), static_cast<long long>(last.done));
        return 1;
    }
}

}  // namespace companion::cli
