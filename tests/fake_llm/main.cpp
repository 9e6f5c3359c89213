// fake_llm: the fake OpenAI-compatible server as a process (see fake_server.hpp, README.md).
//   fake_llm [--host H] [--port P] [--config JSON] [--tls-cert F --tls-key F] [--no-record]
//            [--exit-with-parent]
// Prints "fake_llm listening on <port>" once it accepts connections; stops on SIGTERM/SIGINT
// (and, with --exit-with-parent, when the process that started it dies: no orphans after a
// crashed test).
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/parse.hpp>

#include "fake_server.hpp"
#include "util/process.hpp"

namespace {

int usage(const char* problem) {
    std::fprintf(stderr,
                 "fake_llm: %s\nusage: fake_llm [--host H] [--port P] [--config JSON] "
                 "[--tls-cert FILE --tls-key FILE] [--no-record] [--exit-with-parent]\n",
                 problem);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    using companion::fake_llm::ServerConfig;
    ServerConfig config;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg = argv[i];
            const bool has_value = i + 1 < argc;
            if (arg == "--no-record") {
                config.record = false;
            } else if (arg == "--exit-with-parent") {
                ::prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (::getppid() == 1) return 1;  // the parent died before prctl
            } else if (!has_value) {
                return usage("a value is missing");
            } else if (arg == "--host") {
                config.host = argv[++i];
            } else if (arg == "--port") {
                config.port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
            } else if (arg == "--config") {
                config.behaviour = boost::json::parse(argv[++i]).as_object();
            } else if (arg == "--tls-cert") {
                config.tls_cert_file = argv[++i];
            } else if (arg == "--tls-key") {
                config.tls_key_file = argv[++i];
            } else {
                return usage("unknown argument");
            }
        }
        if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
            return usage("--tls-cert and --tls-key go together");
        }
        companion::util::raise_open_file_limit();
        boost::asio::io_context io(1);
        companion::fake_llm::FakeServer server(io, config);
        boost::asio::signal_set signals(io, SIGTERM, SIGINT);
        signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
        server.start();
        std::printf("fake_llm listening on %u\n", static_cast<unsigned>(server.port()));
        std::fflush(stdout);
        io.run();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "fake_llm: %s\n", error.what());
        return 1;
    }
    return 0;
}
