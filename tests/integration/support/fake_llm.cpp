#include "support/fake_llm.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "support/http_client.hpp"

extern char** environ;

namespace companion::testing {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

FakeLlm::FakeLlm() : FakeLlm(Options{}) {}

FakeLlm::FakeLlm(Options options) : options_(std::move(options)) {
    dir_ = fs::temp_directory_path() /
           ("companion-fake-llm-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    start();
}

FakeLlm::~FakeLlm() {
    stop();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

std::string FakeLlm::base_url(const std::string& host) const {
    const bool tls = !options_.tls_cert_file.empty();
    return std::string(tls ? "https" : "http") + "://" + host + ":" + std::to_string(port_) + "/v1";
}

void FakeLlm::start() {
    if (pid_ > 0) return;
    std::vector<std::string> args{FAKE_LLM_BINARY, "--exit-with-parent", "--port",
                                  std::to_string(port_)};
    if (!options_.behaviour_json.empty()) {
        args.insert(args.end(), {"--config", options_.behaviour_json});
    }
    if (!options_.tls_cert_file.empty()) {
        args.insert(args.end(),
                    {"--tls-cert", options_.tls_cert_file, "--tls-key", options_.tls_key_file});
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const auto out = dir_ / "out";
    const auto err = dir_ / "err";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + std::string(FAKE_LLM_BINARY));
    pid_ = pid;

    const std::string marker = "fake_llm listening on ";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string text = read_text(out);
        if (const auto at = text.find(marker); at != std::string::npos) {
            port_ = static_cast<std::uint16_t>(std::stoi(text.substr(at + marker.size())));
            return;
        }
        if (!running()) {
            throw std::runtime_error("fake_llm exited during start-up: " + read_text(err));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("fake_llm did not start listening: " + read_text(err));
}

void FakeLlm::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

bool FakeLlm::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

void FakeLlm::configure(const std::string& behaviour_json) {
    const auto response = HttpClient(port_).request(
        "POST", "/_control", {{"Content-Type", "application/json"}}, behaviour_json);
    if (response.status != 200) {
        throw std::runtime_error("fake_llm refused the behaviour: " + response.body);
    }
}

void FakeLlm::reset() {
    const auto response = HttpClient(port_).request("POST", "/_reset");
    if (response.status != 200) throw std::runtime_error("fake_llm reset failed");
}

boost::json::array FakeLlm::requests() {
    return boost::json::parse(HttpClient(port_).get("/_requests").body).as_array();
}

boost::json::array FakeLlm::chat_requests() {
    boost::json::array chats;
    for (auto& request : requests()) {
        if (request.at("path").as_string().ends_with("/chat/completions")) {
            chats.push_back(request);
        }
    }
    return chats;
}

boost::json::object FakeLlm::stats() {
    return boost::json::parse(HttpClient(port_).get("/_stats").body).as_object();
}

}  // namespace companion::testing
