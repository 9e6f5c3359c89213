// Opening a connection: the URL read once, host names resolved by Asio (libpq would block in
// getaddrinfo), then PQconnectStartParams + PQconnectPoll driven by socket readiness.
#include <stdexcept>

#include <boost/asio/ip/address.hpp>

#include "store/postgres/connection.hpp"
#include "store/postgres/resolve.hpp"

namespace companion::store::pg {
namespace {

namespace asio = boost::asio;
using Keywords = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        parts.push_back(text.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return parts;
}

std::string join(const std::vector<std::string>& parts) {
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i) text += (i == 0 ? "" : ",") + parts[i];
    return text;
}

const std::string* find(const Keywords& keywords, std::string_view key) {
    for (const auto& [name, value] : keywords) {
        if (name == key) return &value;
    }
    return nullptr;
}

void set(Keywords& keywords, const std::string& key, std::string value) {
    for (auto& [name, current] : keywords) {
        if (name == key) {
            current = std::move(value);
            return;
        }
    }
    keywords.emplace_back(key, std::move(value));
}

// Host names become host + hostaddr pairs, one per address, so that libpq itself does no DNS
// lookup and still tries every address in turn. The lookups count against the connect timeout.
Task<Keywords> resolve_hosts(asio::any_io_executor executor, const ConnectSettings& settings,
                             Deadline deadline) {
    Keywords keywords = settings.keywords;
    const std::string* host = find(keywords, "host");
    if (host == nullptr || find(keywords, "hostaddr") != nullptr) co_return keywords;
    const auto hosts = split(*host);
    const std::string* port = find(keywords, "port");
    const auto ports = port == nullptr ? std::vector<std::string>() : split(*port);
    std::vector<std::string> out_hosts, out_addresses, out_ports;
    std::string resolve_error;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const std::string& name = hosts[i];
        std::vector<std::string> addresses;
        boost::system::error_code literal_error;
        asio::ip::make_address(name, literal_error);
        if (name.empty() || name.front() == '/' || name.front() == '@' || !literal_error) {
            addresses.emplace_back(literal_error ? "" : name);
        } else {
            Lookup lookup = co_await lookup_host(executor, name, deadline);
            if (lookup.timed_out) {
                throw Unavailable("cannot connect to PostgreSQL: could not resolve " + name +
                                  " within " + describe_duration(settings.connect_timeout));
            }
            if (lookup.error) {
                resolve_error =
                    "could not resolve host name \"" + name + "\": " + lookup.error.message();
            }
            addresses = std::move(lookup.addresses);
        }
        for (auto& address : addresses) {
            out_hosts.push_back(name);
            out_addresses.push_back(std::move(address));
            if (ports.size() > 1 && i < ports.size()) out_ports.push_back(ports[i]);
        }
    }
    if (out_hosts.empty()) {
        throw Unavailable("cannot connect to PostgreSQL at " + settings.host_label + ": " +
                          resolve_error);
    }
    set(keywords, "host", join(out_hosts));
    set(keywords, "hostaddr", join(out_addresses));
    if (!out_ports.empty()) set(keywords, "port", join(out_ports));
    co_return keywords;
}

}  // namespace

ConnectSettings parse_connect_settings(std::string_view url,
                                       std::chrono::milliseconds statement_timeout,
                                       std::chrono::milliseconds connect_timeout) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(std::string(url).c_str(), &error);
    if (options == nullptr) {
        const std::string reason = error == nullptr ? "out of memory" : first_line(error);
        PQfreemem(error);
        throw std::invalid_argument("invalid PostgreSQL URL: " + reason);
    }
    ConnectSettings settings;
    settings.connect_timeout = connect_timeout;
    std::string server_options, host = "localhost", port = "5432";
    for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
        if (option->val == nullptr) continue;
        const std::string key = option->keyword;
        if (key == "options") {
            server_options = option->val;
            continue;
        }
        if (key == "host" && option->val[0] != '\0') host = option->val;
        if (key == "port" && option->val[0] != '\0') port = option->val;
        settings.keywords.emplace_back(key, option->val);
    }
    PQconninfoFree(options);
    if (statement_timeout.count() > 0) {
        if (!server_options.empty()) server_options += ' ';
        server_options += "-c statement_timeout=" + std::to_string(statement_timeout.count());
    }
    if (!server_options.empty()) settings.keywords.emplace_back("options", server_options);
    settings.keywords.emplace_back("fallback_application_name", "companion");
    settings.host_label = host + ":" + port;
    return settings;
}

std::string PgConnection::label() const {
    const char* host = PQhost(connection_);
    const char* port = PQport(connection_);
    if (host == nullptr || *host == '\0') return host_label_;
    return std::string(host) + ":" + (port == nullptr || *port == '\0' ? "5432" : port);
}

void PgConnection::on_notice(void* self, const PGresult* notice) {
    // Outside a statement, libpq hands errors here: a FATAL one is the server's last word before
    // it closes the connection (terminated backend, shutdown), which may not have arrived yet.
    const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity == nullptr) return;
    const std::string_view level = severity;
    if (level == "FATAL" || level == "PANIC") static_cast<PgConnection*>(self)->broken_ = true;
}

void PgConnection::fail_connect() {
    throw Unavailable(connection_failure(PQerrorMessage(connection_), label()));
}

Task<std::unique_ptr<PgConnection>> PgConnection::open(Executor executor,
                                                       const ConnectSettings& settings,
                                                       std::shared_ptr<CancelWorker> canceller) {
    const Deadline deadline = SteadyClock::now() + settings.connect_timeout;
    const Keywords keywords = co_await resolve_hosts(executor, settings, deadline);
    std::vector<const char*> keys, values;
    for (const auto& [key, value] : keywords) {
        keys.push_back(key.c_str());
        values.push_back(value.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    PGconn* raw = PQconnectStartParams(keys.data(), values.data(), 0);
    if (raw == nullptr) throw Unavailable("cannot connect to PostgreSQL: out of memory");
    std::unique_ptr<PgConnection> connection(
        new PgConnection(executor, raw, settings.host_label, std::move(canceller)));
    if (PQstatus(raw) == CONNECTION_BAD) connection->fail_connect();
    auto polling = PGRES_POLLING_WRITING;
    while (polling != PGRES_POLLING_OK) {
        if (polling == PGRES_POLLING_FAILED) connection->fail_connect();
        // libpq may close the socket and open another (next address, SSL retry) between polls.
        connection->attach_socket();
        const bool reading = polling == PGRES_POLLING_READING;
        const bool ready = co_await connection->wait(reading, !reading, deadline);
        if (!ready) {
            throw Unavailable("cannot connect to PostgreSQL at " + connection->label() +
                              ": no answer within " +
                              describe_duration(settings.connect_timeout));
        }
        polling = PQconnectPoll(raw);
    }
    if (PQsetnonblocking(raw, 1) != 0) connection->fail_connect();
    PQsetNoticeReceiver(raw, &PgConnection::on_notice, connection.get());
    connection->attach_socket();
    co_return connection;
}

}  // namespace companion::store::pg
