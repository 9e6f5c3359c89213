// Throwaway PostgreSQL databases for black-box tests, on the server scripts/services.sh starts.
#pragma once

#include <string>
#include <vector>

namespace companion::testing {

// COMPANION_TEST_POSTGRES_URL; fails the test (throws) with advice when it is not set.
std::string test_postgres_url();

// A new empty database owned by the app role (pgvector available); dropped by the destructor.
class ThrowawayDatabase {
public:
    ThrowawayDatabase();
    ~ThrowawayDatabase();
    ThrowawayDatabase(const ThrowawayDatabase&) = delete;
    ThrowawayDatabase& operator=(const ThrowawayDatabase&) = delete;

    const std::string& name() const { return name_; }
    // postgresql://companion:...@127.0.0.1:PORT/<name>
    const std::string& url() const { return url_; }

private:
    std::string name_;
    std::string url_;
};

// Runs SQL as the superuser on the maintenance database; throws with the server's message.
void admin_execute(const std::string& sql);

// The first column of every row of a query, run on the database at `url`.
std::vector<std::string> query_column(const std::string& url, const std::string& sql);

}  // namespace companion::testing
