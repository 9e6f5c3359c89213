// A leased connection: statements within the pool's deadline, and its return to the pool.
#include "store/postgres/pool.hpp"

namespace companion::store::pg {
namespace {

using namespace std::chrono_literals;

const Statement rollback_statement{"", "ROLLBACK"};

}  // namespace

Lease::Lease(std::shared_ptr<PgPool> pool, std::unique_ptr<PgConnection> connection)
    : pool_(std::move(pool)), connection_(std::move(connection)) {}

Lease::~Lease() {
    if (connection_) pool_->release(std::move(connection_));
}

Task<PgResult> Lease::query(const Statement& statement, const Params& params) {
    PgResult result = co_await connection_->execute(statement, params, pool_->statement_deadline());
    if (!result.ok()) throw_result_error(result);
    co_return result;
}

Task<PgResult> Lease::script(std::string sql) {
    PgResult result =
        co_await connection_->execute_script(std::move(sql), pool_->statement_deadline());
    if (!result.ok()) throw_result_error(result);
    co_return result;
}

Task<void> Lease::rollback_quietly() {
    if (!connection_->connected() || !connection_->in_transaction()) co_return;
    try {
        const Params none;
        PgResult result = co_await connection_->execute(rollback_statement, none,
                                                        SteadyClock::now() + 2s);
        if (!result.ok()) connection_->mark_broken();
    } catch (const StoreError&) {
        connection_->mark_broken();
    }
}

}  // namespace companion::store::pg
