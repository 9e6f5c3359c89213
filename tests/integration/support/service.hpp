// Runs the real companion binary as a child process for black-box tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace companion::testing {

// A free TCP port on 127.0.0.1 (bound and released; the kernel does not hand it out again soon).
std::uint16_t free_port();

using Env = std::map<std::string, std::string>;

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs `companion <args>` with exactly `env` as its environment (plus PATH) and waits for it.
CommandResult run_companion(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env = {});

class Service {
public:
    enum class Wait { ready, listening };

    // Starts `companion serve --host 127.0.0.1 --port <free>` with `env` (the test's own
    // environment is not inherited) and waits until /ready answers 200 (Wait::ready) or until
    // the port answers at all (Wait::listening).
    explicit Service(Env env = {}, std::vector<std::string> extra_args = {},
                     Wait wait = Wait::ready);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    std::uint16_t port() const { return port_; }
    int pid() const { return pid_; }

    void signal(int signal_number);
    // Waits for the process to exit; nullopt on timeout. Returns the exit code (128+signal when
    // it was killed).
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    bool running();

    std::string stdout_text() const;
    std::string stderr_text() const;

private:
    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    int pid_ = -1;
    std::optional<int> exit_code_;
};

}  // namespace companion::testing
