#include "support/postgres_admin.hpp"

#include <postgresql/libpq-fe.h>

#include <cstdlib>
#include <random>
#include <stdexcept>

namespace companion::testing {
namespace {

std::string required_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        throw std::runtime_error(std::string(name) +
                                 " is not set: run the tests through scripts/test.sh, or run "
                                 "`scripts/services.sh up` and eval \"$(scripts/services.sh env)\"");
    }
    return value;
}

std::string with_database(const std::string& url, const std::string& database) {
    const auto slash = url.find('/', url.find("://") + 3);
    const auto query = url.find('?', slash);
    return url.substr(0, slash + 1) + database +
           (query == std::string::npos ? std::string() : url.substr(query));
}

}  // namespace

std::string test_postgres_url() { return required_env("COMPANION_TEST_POSTGRES_URL"); }

namespace {

// One statement on its own connection; the result (or the error) is handed to `read`.
template <class Read>
void run_on(const std::string& url, const std::string& sql, Read read) {
    PGconn* connection = PQconnectdb(url.c_str());
    if (PQstatus(connection) != CONNECTION_OK) {
        const std::string message = PQerrorMessage(connection);
        PQfinish(connection);
        throw std::runtime_error("cannot connect to the test database: " + message);
    }
    PGresult* result = PQexec(connection, sql.c_str());
    const auto status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        const std::string message = PQresultErrorMessage(result);
        PQclear(result);
        PQfinish(connection);
        throw std::runtime_error("`" + sql + "` failed: " + message);
    }
    read(result);
    PQclear(result);
    PQfinish(connection);
}

}  // namespace

void admin_execute(const std::string& sql) {
    run_on(required_env("COMPANION_TEST_PG_ADMIN_URL"), sql, [](PGresult*) {});
}

std::vector<std::string> query_column(const std::string& url, const std::string& sql) {
    std::vector<std::string> values;
    run_on(url, sql, [&values](PGresult* result) {
        for (int row = 0; row < PQntuples(result); ++row) {
            values.emplace_back(PQgetvalue(result, row, 0));
        }
    });
    return values;
}

ThrowawayDatabase::ThrowawayDatabase()
    : name_("companion_t_" + std::to_string(std::random_device{}())),
      url_(with_database(test_postgres_url(), name_)) {
    admin_execute("CREATE DATABASE " + name_ + " OWNER companion");
}

ThrowawayDatabase::~ThrowawayDatabase() {
    try {
        admin_execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
        // The server may be down in a fault test; the database is dropped with the cluster.
    }
}

}  // namespace companion::testing
