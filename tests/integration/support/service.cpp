#include "support/service.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/http_client.hpp"

extern char** environ;

namespace companion::testing {
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

fs::path make_temp_dir() {
    std::random_device random;
    auto dir = fs::temp_directory_path() / ("companion-test-" + std::to_string(random()));
    fs::create_directories(dir);
    return dir;
}

int spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
          const fs::path& out, const fs::path& err) {
    std::vector<std::string> argv_text{COMPANION_BINARY};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : argv_text) argv.push_back(arg.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_text;
    if (const char* path = std::getenv("PATH")) env_text.push_back(std::string("PATH=") + path);
    for (const auto& [key, value] : env) env_text.push_back(key + "=" + value);
    std::vector<char*> envp;
    for (auto& entry : env_text) envp.push_back(entry.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + std::string(COMPANION_BINARY));
    return pid;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

CommandResult run_companion(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env) {
    const auto dir = make_temp_dir();
    const int pid = spawn(args, env, dir / "out", dir / "err");
    int status = 0;
    waitpid(pid, &status, 0);
    CommandResult result{decode_status(status), read_file(dir / "out"), read_file(dir / "err")};
    fs::remove_all(dir);
    return result;
}

Service::Service(Env env, std::vector<std::string> extra_args, Wait wait)
    : dir_(make_temp_dir()), port_(free_port()) {
    env.try_emplace("DATA_DIR", (dir_ / "data").string());
    std::vector<std::string> args{"serve", "--host", "127.0.0.1", "--port", std::to_string(port_)};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = spawn(args, env, dir_ / "out", dir_ / "err");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) {
            throw std::runtime_error("companion exited during start-up with " +
                                     std::to_string(exit_code_.value_or(-1)) + ": " +
                                     stderr_text() + stdout_text());
        }
        try {
            const auto status = HttpClient(port_).get("/ready").status;
            if (wait == Wait::listening || status == 200) return;
        } catch (const std::exception&) {
            // not listening yet
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("companion did not become ready: " + stderr_text());
}

Service::~Service() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        wait_exit(std::chrono::seconds(5));
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

void Service::signal(int signal_number) { ::kill(pid_, signal_number); }

bool Service::running() {
    if (exit_code_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = decode_status(status);
        return false;
    }
    return true;
}

std::optional<int> Service::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_code_;
}

std::string Service::stdout_text() const { return read_file(dir_ / "out"); }
std::string Service::stderr_text() const { return read_file(dir_ / "err"); }

}  // namespace companion::testing
