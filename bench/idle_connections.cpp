// Opens N keep-alive connections to a running companion, sends one request on each, keeps them
// all open and idle, and reports the server's resident memory before and after.
// Usage: bench_idle_connections PORT SERVER_PID [CONNECTIONS=10000] [HOLD_SECONDS=5]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "util/process.hpp"

namespace {

long resident_kib(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
}

int open_and_ask(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    static const std::string request = "GET /ready HTTP/1.1\r\nHost: bench\r\n\r\n";
    if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
        ::close(fd);
        return -1;
    }
    char reply[2048];
    const auto n = ::read(fd, reply, sizeof reply);
    if (n < 12 || std::string(reply, 12) != "HTTP/1.1 200") {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s PORT SERVER_PID [CONNECTIONS] [HOLD_SECONDS]\n", argv[0]);
        return 2;
    }
    const int port = std::atoi(argv[1]);
    const int pid = std::atoi(argv[2]);
    const int wanted = argc > 3 ? std::atoi(argv[3]) : 10000;
    const int hold_seconds = argc > 4 ? std::atoi(argv[4]) : 5;
    companion::util::raise_open_file_limit();

    const long before = resident_kib(pid);
    std::vector<int> sockets;
    sockets.reserve(static_cast<std::size_t>(wanted));
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < wanted; ++i) {
        const int fd = open_and_ask(port);
        if (fd < 0) {
            std::fprintf(stderr, "connection %d failed\n", i);
            break;
        }
        sockets.push_back(fd);
    }
    const std::chrono::duration<double> opening = std::chrono::steady_clock::now() - started;
    std::this_thread::sleep_for(std::chrono::seconds(hold_seconds));
    const long after = resident_kib(pid);

    std::printf("connections_open=%zu opened_in_s=%.2f rss_before_mib=%.1f rss_after_mib=%.1f "
                "rss_per_connection_bytes=%.0f\n",
                sockets.size(), opening.count(), before / 1024.0, after / 1024.0,
                sockets.empty() ? 0.0 : (after - before) * 1024.0 / static_cast<double>(sockets.size()));
    for (const int fd : sockets) ::close(fd);
    return sockets.size() == static_cast<std::size_t>(wanted) ? 0 : 1;
}
