#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/errors.hpp"
#include "store/sqlite/sqlite_store_impl.hpp"
#include "store/user_tables.hpp"

namespace companion::store {

namespace asio = boost::asio;

namespace {

constexpr auto kPingTimeout = std::chrono::seconds(2);

const std::string& count_user_rows_sql() {
    static const std::string sql = store::count_user_rows_sql("?1");
    return sql;
}

// Creates the database's directory; every connection of the store opens the same file, so an
// in-memory or temporary database ("" or ":memory:") would give each its own database.
std::string prepare_path(const std::string& path) {
    if (path.empty() || path == ":memory:") {
        throw std::invalid_argument("the SQLite database must be a file path, not \"" + path +
                                    "\"");
    }
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
        std::error_code error;
        std::filesystem::create_directories(parent, error);
        if (error) {
            throw Unavailable("cannot create the directory of the SQLite database " + path + ": " +
                              error.message());
        }
    }
    return path;
}

// A ping answered by whichever comes first: the worker's SELECT 1 or the timeout. The timer is
// only ever touched, and destroyed, on its own executor: once the timeout has answered, the
// caller (and its io_context) may be gone while the worker is still blocked in SQLite.
template <class Handler>
class PingRace : public std::enable_shared_from_this<PingRace<Handler>> {
public:
    PingRace(Handler handler, const asio::any_io_executor& executor)
        : executor_(executor),
          timer_(std::make_unique<asio::steady_timer>(executor)),
          handler_(std::move(handler)) {}

    void start() {
        timer_->expires_after(kPingTimeout);
        timer_->async_wait([self = this->shared_from_this()](boost::system::error_code) {
            self->finish(false);
            self->timer_.reset();
        });
    }

    // Called from a worker thread.
    void answer(bool ok) {
        if (!finish(ok)) return;  // the timeout answered first: leave the executor alone
        asio::post(executor_, [self = this->shared_from_this()] {
            if (self->timer_) self->timer_->cancel();
        });
    }

private:
    // Hands the result to the caller once; false when it had already been answered.
    bool finish(bool ok) {
        std::optional<Handler> handler;
        {
            std::lock_guard lock(mutex_);
            if (!handler_) return false;
            handler.emplace(std::move(*handler_));
            handler_.reset();
        }
        auto executor = asio::get_associated_executor(*handler, executor_);
        asio::dispatch(executor,
                       [handler = std::move(*handler), ok]() mutable { std::move(handler)(ok); });
        return true;
    }

    asio::any_io_executor executor_;
    std::unique_ptr<asio::steady_timer> timer_;
    std::mutex mutex_;
    std::optional<Handler> handler_;
};

}  // namespace

std::unique_ptr<Store> make_sqlite_store(const std::string& database_path, int worker_threads) {
    return std::make_unique<SqliteStore>(database_path, worker_threads);
}

SqliteStore::SqliteStore(const std::string& database_path, int worker_threads)
    : connections_(prepare_path(database_path)),
      workers_(static_cast<std::size_t>(std::max(1, worker_threads))) {}

SqliteStore::~SqliteStore() {
    workers_.join();
}

Timestamp SqliteStore::next_timestamp() {
    const auto current = sqlite::micros(now());
    auto last = last_timestamp_.load();
    auto next = std::max(current, last + 1);
    while (!last_timestamp_.compare_exchange_weak(last, next)) next = std::max(current, last + 1);
    return Timestamp(std::chrono::microseconds(next));
}

bool SqliteStore::select_one() {
    try {
        auto connection = connections_.acquire();
        auto statement = connection->prepare("SELECT 1");
        return statement.step() && statement.int64(0) == 1;
    } catch (...) {
        return false;
    }
}

Task<bool> SqliteStore::ping() {
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
        [this](auto handler) {
            const auto executor = asio::get_associated_executor(handler);
            auto race = std::make_shared<PingRace<decltype(handler)>>(std::move(handler), executor);
            race->start();
            asio::post(workers_, [this, race] { race->answer(select_one()); });
        },
        asio::use_awaitable);
}

Task<std::map<std::string, std::int64_t>> SqliteStore::count_user_rows(std::string user_id) {
    co_return co_await read([&](sqlite::Connection& db) {
        std::map<std::string, std::int64_t> counts;
        auto statement = db.prepare(count_user_rows_sql());
        statement.bind(user_id);
        statement.step();
        for (std::size_t i = 0; i < user_tables.size(); ++i) {
            counts[std::string(user_tables[i].first)] = statement.int64(static_cast<int>(i));
        }
        return counts;
    });
}

namespace sqlite {

int clamp_limit(int limit) {
    return std::clamp(limit, 1, 1000);
}

std::optional<CursorPosition> parse_cursor(const std::optional<std::string>& cursor,
                                           bool unique_key) {
    if (!cursor) return std::nullopt;
    auto position = decode_cursor(*cursor);
    if (!position || position->id.empty() != unique_key) {
        throw std::invalid_argument("invalid cursor");
    }
    return position;
}

std::string encode_embedding(const std::vector<float>& embedding) {
    std::string bytes;
    bytes.reserve(embedding.size() * 4);
    for (const float value : embedding) {
        const auto bits = std::bit_cast<std::uint32_t>(value);
        for (int shift = 0; shift < 32; shift += 8) {
            bytes.push_back(static_cast<char>((bits >> shift) & 0xff));
        }
    }
    return bytes;
}

std::vector<float> decode_embedding(std::string_view bytes) {
    std::vector<float> embedding;
    embedding.reserve(bytes.size() / 4);
    for (std::size_t offset = 0; offset + 4 <= bytes.size(); offset += 4) {
        std::uint32_t bits = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + i]))
                    << (8 * i);
        }
        embedding.push_back(std::bit_cast<float>(bits));
    }
    return embedding;
}

std::int64_t micros(Timestamp timestamp) {
    return timestamp.time_since_epoch().count();
}

}  // namespace sqlite
}  // namespace companion::store
