// PgStore's construction, lifetime, health and the helpers its parts share.
#include <algorithm>
#include <array>
#include <stdexcept>

#include "store/postgres/pg_stats.hpp"
#include "store/postgres/store_impl.hpp"
#include "store/user_tables.hpp"
#include "util/uuid.hpp"

namespace companion::store {
namespace {

using namespace std::chrono_literals;
using pg::Params;
using pg::Statement;

const Statement kPing{"", "SELECT 1"};

const std::string& count_user_rows_sql() {
    static const std::string sql = store::count_user_rows_sql("$1::uuid");
    return sql;
}

pg::PoolConfig pool_config(const PgOptions& options) {
    if (options.pool_size < 1) throw std::invalid_argument("the PostgreSQL pool size must be >= 1");
    if (options.max_overflow < 0) {
        throw std::invalid_argument("the PostgreSQL pool overflow must be >= 0");
    }
    pg::PoolConfig config;
    config.connect =
        pg::parse_connect_settings(options.url, options.statement_timeout, options.connect_timeout);
    config.size = options.pool_size;
    config.max_overflow = options.max_overflow;
    config.acquire_timeout = options.acquire_timeout;
    config.statement_timeout = options.statement_timeout;
    config.overflow_idle = options.overflow_idle;
    return config;
}

}  // namespace

std::unique_ptr<Store> make_postgres_store(boost::asio::any_io_executor executor,
                                           PgOptions options) {
    return std::make_unique<PgStore>(std::move(executor), options);
}

PgPoolStats postgres_pool_stats(const Store& store) {
    const auto* postgres = dynamic_cast<const PgStore*>(&store);
    if (postgres == nullptr) throw std::invalid_argument("not a PostgreSQL store");
    return const_cast<PgStore*>(postgres)->pool().stats();
}

PgStore::PgStore(boost::asio::any_io_executor executor, const PgOptions& options)
    : pool_(pg::PgPool::create(std::move(executor), pool_config(options))) {}

PgStore::~PgStore() { close(); }

void PgStore::close() {
    closed_ = true;
    pool_->close();
}

Timestamp PgStore::next_timestamp() {
    const auto current = pg::micros(now());
    auto last = last_timestamp_.load();
    auto next = std::max(current, last + 1);
    while (!last_timestamp_.compare_exchange_weak(last, next)) next = std::max(current, last + 1);
    return pg::from_micros(next);
}

Task<bool> PgStore::ping() {
    try {
        const Params none;
        const auto connect = std::min<std::chrono::milliseconds>(
            2s, pool_->config().connect.connect_timeout);
        const auto result = co_await pool_->query(kPing, none, {2s, connect, 2s});
        co_return result.rows() == 1;
    } catch (const std::exception&) {
        co_return false;
    }
}

Task<std::map<std::string, std::int64_t>> PgStore::count_user_rows(std::string user_id) {
    std::map<std::string, std::int64_t> counts;
    for (const auto& [table, column] : user_tables) counts[std::string(table)] = 0;
    if (!util::is_uuid(user_id)) co_return counts;
    const Statement statement{"", count_user_rows_sql().c_str()};
    const Params params(user_id);
    const auto result = co_await pool_->query(statement, params);
    pg::RowReader row(result, 0);
    for (const auto& [table, column] : user_tables) counts[std::string(table)] = row.i64();
    co_return counts;
}

namespace pg {

int clamp_limit(int limit) { return std::clamp(limit, 1, 1000); }

std::optional<CursorPosition> parse_cursor(const std::optional<std::string>& cursor,
                                           bool unique_key) {
    if (!cursor) return std::nullopt;
    auto position = decode_cursor(*cursor);
    if (!position || position->id.empty() != unique_key) {
        throw std::invalid_argument("invalid cursor");
    }
    return position;
}

std::int64_t micros(Timestamp timestamp) { return timestamp.time_since_epoch().count(); }

Timestamp from_micros(std::int64_t micros) {
    return Timestamp(std::chrono::microseconds(micros));
}

void throw_missing_reference(const std::string& table, const std::string& id) {
    if (table == "users") throw std::invalid_argument("no such user: " + id);
    throw std::invalid_argument("no such row in " + table + " for this user: " + id);
}

void require_uuid(const std::optional<std::string>& id, const std::string& table) {
    if (id && !util::is_uuid(*id)) throw_missing_reference(table, *id);
}

}  // namespace pg
}  // namespace companion::store
