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

void admin_execute(const std::string& sql) {
    PGconn* connection = PQconnectdb(required_env("COMPANION_TEST_PG_ADMIN_URL").c_str());
    if (PQstatus(connection) != CONNECTION_OK) {
        const std::string message = PQerrorMessage(connection);
        PQfinish(connection);
        throw std::runtime_error("cannot connect as the test superuser: " + message);
    }
    PGresult* result = PQexec(connection, sql.c_str());
    const auto status = PQresultStatus(result);
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(connection);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw std::runtime_error("`" + sql + "` failed: " + message);
    }
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
