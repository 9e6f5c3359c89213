// Load client for the chat benchmarks (bench/chat_*.sh): keep-alive HTTP/1.1 clients on one
// Asio thread, each timing its own requests with the steady clock.
//
//   bench_chat_load turns   --port P (--token JWT | --tokens-file F) --clients N --seconds S
//                           [--warmup W] [--rate R]
//       N clients, each continuing its own conversation with POST /api/v1/chat (JSON answers);
//       with --tokens-file (one JWT a line) client c is the user of line c modulo their number.
//   bench_chat_load direct  --port P --body-file F --clients N --seconds S [--warmup W] [--rate R]
//       the same loop straight against the fake LLM: POST /v1/chat/completions with body F.
//   bench_chat_load streams --port P --token JWT --streams N --pid SERVER_PID [--launch K]
//       N streaming turns at once (SSE), each in its own pre-created conversation; the server's
//       VmRSS/VmHWM when all N streams are open (their `meta` received, `done` not yet).
//
// Without --rate every client sends its next request as soon as the answer is in (closed loop);
// with --rate R the clients together start R requests per second, each client on a fixed
// schedule (a request that falls behind its schedule starts at once). Only requests that start
// after the warm-up and end before the deadline count. Prints one line of key=value pairs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>

#include "util/process.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// ---- options ----

struct Options {
    std::string mode;
    int port = 0;
    std::string token;
    std::string tokens_file;
    std::string body_file;
    int clients = 200;
    double seconds = 10;
    double warmup = 2;
    double rate = 0;  // requests per second of all clients together; 0: closed loop
    int streams = 10000;
    int pid = 0;
    int launch = 256;  // streams connecting at once (not yet past `meta`)
    std::string message = "How was your day? Tell me one small thing that made you smile.";
};

Options parse_options(int argc, char** argv) {
    if (argc < 2) throw std::invalid_argument("missing mode (turns, direct or streams)");
    Options options;
    options.mode = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const std::string value = argv[i + 1];
        if (key == "--port")
            options.port = std::stoi(value);
        else if (key == "--token")
            options.token = value;
        else if (key == "--tokens-file")
            options.tokens_file = value;
        else if (key == "--body-file")
            options.body_file = value;
        else if (key == "--clients")
            options.clients = std::stoi(value);
        else if (key == "--seconds")
            options.seconds = std::stod(value);
        else if (key == "--warmup")
            options.warmup = std::stod(value);
        else if (key == "--rate")
            options.rate = std::stod(value);
        else if (key == "--streams")
            options.streams = std::stoi(value);
        else if (key == "--pid")
            options.pid = std::stoi(value);
        else if (key == "--launch")
            options.launch = std::stoi(value);
        else if (key == "--message")
            options.message = value;
        else
            throw std::invalid_argument("unknown option " + key);
    }
    if ((argc - 2) % 2 != 0) throw std::invalid_argument("an option is missing its value");
    if (options.port <= 0) throw std::invalid_argument("--port is required");
    return options;
}

// ---- HTTP ----

struct Reply {
    unsigned status = 0;
    std::string body;
};

std::string post_text(std::string_view target, std::string_view token, std::string_view body) {
    std::string out = "POST ";
    out += target;
    out += " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    if (!token.empty()) {
        out += "Authorization: Bearer ";
        out += token;
        out += "\r\n";
    }
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out += body;
    return out;
}

asio::awaitable<tcp::socket> connect(int port) {
    tcp::socket socket(co_await asio::this_coro::executor);
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"),
                                 static_cast<unsigned short>(port));
    co_await socket.async_connect(endpoint, asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    co_return socket;
}

// One request on a kept-alive connection; throws on a transport error.
asio::awaitable<Reply> exchange(tcp::socket& socket, beast::flat_buffer& buffer,
                                const std::string& request) {
    co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    co_await http::async_read(socket, buffer, parser, asio::use_awaitable);
    co_return Reply{parser.get().result_int(), std::move(parser.get().body())};
}

// ---- statistics ----

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---- turns and direct: a loop of requests per client ----

struct LoopRun {
    const Options& options;
    std::vector<std::string> tokens;  // turns: client c uses tokens[c % size]
    Clock::time_point start;
    Clock::time_point measure_from;
    Clock::time_point deadline;
    std::vector<double> millis;  // the counted requests
    long errors = 0;
};

// The body of the next turn of a client: its conversation once the first answer named it.
std::string turn_body(const Options& options, const std::string& conversation_id) {
    json::object body;
    body["message"] = options.message;
    if (!conversation_id.empty()) body["conversation_id"] = conversation_id;
    return json::serialize(body);
}

asio::awaitable<void> request_loop(LoopRun& run, int client, std::string direct_body) {
    const bool direct = run.options.mode == "direct";
    const std::string target = direct ? "/v1/chat/completions" : "/api/v1/chat";
    const std::string request_direct = post_text(target, "", direct_body);
    const std::string token =
        direct ? std::string() : run.tokens[static_cast<std::size_t>(client) % run.tokens.size()];
    std::string conversation_id;
    std::string request =
        direct ? request_direct : post_text(target, token, turn_body(run.options, ""));
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto interval =
        run.options.rate > 0 ? std::chrono::duration<double>(run.options.clients / run.options.rate)
                             : std::chrono::duration<double>(0);
    auto next = run.start + std::chrono::duration_cast<Clock::duration>(
                                interval * (static_cast<double>(client) / run.options.clients));
    std::optional<tcp::socket> socket;
    beast::flat_buffer buffer;
    while (Clock::now() < run.deadline) {
        if (run.options.rate > 0) {
            if (next > Clock::now()) {
                timer.expires_at(next);
                co_await timer.async_wait(asio::use_awaitable);
            }
            next += std::chrono::duration_cast<Clock::duration>(interval);
            if (Clock::now() >= run.deadline) break;
        }
        bool failed = false;
        Reply reply;
        const auto t0 = Clock::now();
        try {
            if (!socket) socket.emplace(co_await connect(run.options.port));
            reply = co_await exchange(*socket, buffer, request);
        } catch (const std::exception& error) {
            failed = true;
            if (run.errors < 5) std::fprintf(stderr, "client %d: %s\n", client, error.what());
        }
        const auto t1 = Clock::now();
        if (failed || reply.status != 200) {
            if (!failed && run.errors < 5) {
                std::fprintf(stderr, "client %d: HTTP %u %s\n", client, reply.status,
                             reply.body.substr(0, 300).c_str());
            }
            ++run.errors;
            socket.reset();
            buffer.clear();
            continue;
        }
        if (!direct && conversation_id.empty()) {
            conversation_id = json::parse(reply.body).at("conversation_id").as_string().c_str();
            request = post_text(target, token, turn_body(run.options, conversation_id));
        }
        if (t0 >= run.measure_from && t1 <= run.deadline) {
            run.millis.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
    }
}

// The JWTs of --tokens-file, one a line, or --token alone.
std::vector<std::string> read_tokens(const Options& options) {
    if (options.tokens_file.empty()) {
        if (options.token.empty())
            throw std::invalid_argument("--token or --tokens-file is required");
        return {options.token};
    }
    std::ifstream file(options.tokens_file);
    if (!file) throw std::invalid_argument("cannot read --tokens-file " + options.tokens_file);
    std::vector<std::string> tokens;
    for (std::string line; std::getline(file, line);) {
        if (!line.empty()) tokens.push_back(line);
    }
    if (tokens.empty()) throw std::invalid_argument("--tokens-file holds no token");
    return tokens;
}

int run_loop(const Options& options) {
    std::string direct_body;
    std::vector<std::string> tokens;
    if (options.mode == "direct") {
        std::ifstream file(options.body_file);
        if (!file) throw std::invalid_argument("--body-file is required and must exist");
        std::stringstream text;
        text << file.rdbuf();
        direct_body = text.str();
    } else {
        tokens = read_tokens(options);
    }
    asio::io_context io(1);
    const auto start = Clock::now();
    const auto warmup =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.warmup));
    const auto length =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
    LoopRun run{options, std::move(tokens), start, start + warmup, start + warmup + length, {}, 0};
    run.millis.reserve(1 << 20);
    for (int c = 0; c < options.clients; ++c) {
        asio::co_spawn(io, request_loop(run, c, direct_body), asio::detached);
    }
    io.run();
    std::printf(
        "mode=%s clients=%d rate=%g seconds=%g requests=%zu per_s=%.1f p50_ms=%.3f "
        "p90_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%ld\n",
        options.mode.c_str(), options.clients, options.rate, options.seconds, run.millis.size(),
        static_cast<double>(run.millis.size()) / options.seconds, percentile(run.millis, 0.50),
        percentile(run.millis, 0.90), percentile(run.millis, 0.99),
        run.millis.empty() ? 0.0 : *std::max_element(run.millis.begin(), run.millis.end()),
        run.errors);
    return run.errors == 0 && !run.millis.empty() ? 0 : 1;
}

// ---- streams ----

struct Memory {
    long rss_kib = -1;
    long hwm_kib = -1;
};

// Open file descriptors of a process: its sockets, mostly.
long open_fds(int pid) {
    std::error_code error;
    long count = 0;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", error), end;
         !error && it != end; it.increment(error)) {
        ++count;
    }
    return count;
}

Memory read_memory(int pid) {
    Memory memory;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            memory.rss_kib = std::strtol(line.c_str() + 6, nullptr, 10);
        if (line.rfind("VmHWM:", 0) == 0)
            memory.hwm_kib = std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return memory;
}

struct StreamRun {
    explicit StreamRun(const Options& chosen) : options(chosen), start(Clock::now()) {}

    const Options& options;
    Clock::time_point start;
    std::vector<std::string> conversations;
    int connecting = 0;  // launched, `meta` not yet received
    int open = 0;        // `meta` received, not finished
    int max_open = 0;
    long metas = 0;
    long deltas = 0;
    long dones = 0;
    long errors = 0;     // transport errors, non-200 answers and `error` events
    long truncated = 0;  // the connection ended without `done` or `error`
    bool all_open_sampled = false;
    double all_open_at_s = 0;
    Memory at_all_open;
    long fds_all_open = 0;
    Memory peak;  // the largest VmRSS seen by the sampler (and VmHWM at the end)
    std::vector<double> first_delta_ms;
    std::vector<double> total_ms;
};

void note_open(StreamRun& run) {
    run.max_open = std::max(run.max_open, run.open);
    if (!run.all_open_sampled && run.open == run.options.streams) {
        run.all_open_sampled = true;
        run.at_all_open = read_memory(run.options.pid);
        run.fds_all_open = open_fds(run.options.pid);
        run.all_open_at_s = seconds_since(run.start);
    }
}

// Counts the complete events in `body` from `scanned` on; returns false at `done` or `error`.
bool scan_events(StreamRun& run, std::string& body, bool& saw_meta, bool& saw_delta,
                 Clock::time_point t0) {
    std::size_t from = 0;
    bool more = true;
    while (true) {
        const auto end = body.find("\n\n", from);
        if (end == std::string::npos) break;
        const std::string_view event(body.data() + from, end - from);
        if (event.rfind("event: meta", 0) == 0) {
            saw_meta = true;
            ++run.metas;
            --run.connecting;
            ++run.open;
            note_open(run);
        } else if (event.rfind("event: delta", 0) == 0) {
            if (!saw_delta) {
                saw_delta = true;
                run.first_delta_ms.push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            }
            ++run.deltas;
        } else if (event.rfind("event: done", 0) == 0) {
            ++run.dones;
            more = false;
        } else if (event.rfind("event: error", 0) == 0) {
            ++run.errors;
            if (run.errors < 5)
                std::fprintf(stderr, "error event: %.*s\n", int(event.size()), event.data());
            more = false;
        }
        from = end + 2;
    }
    body.erase(0, from);
    return more;
}

asio::awaitable<void> one_stream(StreamRun& run, int index) {
    json::object body;
    body["message"] = run.options.message;
    body["conversation_id"] = run.conversations[static_cast<std::size_t>(index)];
    body["stream"] = true;
    const auto request = post_text("/api/v1/chat", run.options.token, json::serialize(body));
    bool saw_meta = false;
    bool saw_delta = false;
    bool finished = false;
    const auto t0 = Clock::now();
    try {
        auto socket = co_await connect(run.options.port);
        co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none);
        co_await http::async_read_header(socket, buffer, parser, asio::use_awaitable);
        if (parser.get().result_int() != 200) {
            co_await http::async_read(socket, buffer, parser, asio::use_awaitable);
            throw std::runtime_error("HTTP " + std::to_string(parser.get().result_int()) + " " +
                                     parser.get().body().substr(0, 200));
        }
        while (!parser.is_done()) {
            co_await http::async_read_some(socket, buffer, parser, asio::use_awaitable);
            if (!scan_events(run, parser.get().body(), saw_meta, saw_delta, t0)) {
                finished = true;
                break;
            }
        }
    } catch (const std::exception& error) {
        ++run.errors;
        finished = true;
        if (run.errors < 5) std::fprintf(stderr, "stream %d: %s\n", index, error.what());
    }
    if (!finished) ++run.truncated;
    if (saw_meta) {
        --run.open;
    } else {
        --run.connecting;
    }
    run.total_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
}

// Starts the streams, at most `launch` of them connecting at once (a burst of 10,000 SYNs
// overflows the listen backlog and costs retransmission seconds).
asio::awaitable<void> launch_streams(StreamRun& run) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (int i = 0; i < run.options.streams; ++i) {
        while (run.connecting >= run.options.launch) {
            timer.expires_after(std::chrono::milliseconds(1));
            co_await timer.async_wait(asio::use_awaitable);
        }
        ++run.connecting;
        asio::co_spawn(co_await asio::this_coro::executor, one_stream(run, i), asio::detached);
    }
}

// Every 100 ms: the server's VmRSS (the largest is kept) and a progress line each second.
asio::awaitable<void> sample_memory(StreamRun& run) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (int tick = 0;; ++tick) {
        const auto memory = read_memory(run.options.pid);
        run.peak.rss_kib = std::max(run.peak.rss_kib, memory.rss_kib);
        if (tick % 10 == 0) {
            std::fprintf(stderr, "t=%.1fs connecting=%d open=%d done=%ld errors=%ld rss_mib=%.1f\n",
                         seconds_since(run.start), run.connecting, run.open, run.dones, run.errors,
                         memory.rss_kib / 1024.0);
        }
        if (run.dones + run.errors + run.truncated >= run.options.streams) co_return;
        timer.expires_after(std::chrono::milliseconds(100));
        co_await timer.async_wait(asio::use_awaitable);
    }
}

// POST /api/v1/conversations from 64 connections until `count` exist.
asio::awaitable<void> create_conversations(StreamRun& run, int& next, int count) {
    auto socket = co_await connect(run.options.port);
    beast::flat_buffer buffer;
    const auto request =
        post_text("/api/v1/conversations", run.options.token, R"({"title":"bench stream"})");
    while (next < count) {
        const auto index = static_cast<std::size_t>(next++);
        const auto reply = co_await exchange(socket, buffer, request);
        if (reply.status != 201 && reply.status != 200) {
            throw std::runtime_error("creating a conversation: HTTP " +
                                     std::to_string(reply.status));
        }
        run.conversations[index] = json::parse(reply.body).at("id").as_string().c_str();
    }
}

int run_streams(const Options& options) {
    if (options.token.empty() || options.pid <= 0) {
        throw std::invalid_argument("--token and --pid are required");
    }
    asio::io_context io(1);
    StreamRun run(options);
    run.conversations.resize(static_cast<std::size_t>(options.streams));
    int next = 0;
    for (int c = 0; c < 64; ++c) {
        asio::co_spawn(io, create_conversations(run, next, options.streams),
                       [](const std::exception_ptr& error) {
                           if (error) std::rethrow_exception(error);
                       });
    }
    io.run();
    const auto before = read_memory(options.pid);
    std::fprintf(stderr, "%d conversations created; server rss_mib=%.1f\n", options.streams,
                 before.rss_kib / 1024.0);

    io.restart();
    run.start = Clock::now();
    asio::co_spawn(io, launch_streams(run), asio::detached);
    asio::co_spawn(io, sample_memory(run), asio::detached);
    io.run();
    const auto after = read_memory(options.pid);
    run.peak.hwm_kib = after.hwm_kib;
    std::printf(
        "mode=streams streams=%d metas=%ld dones=%ld errors=%ld truncated=%ld max_open=%d "
        "all_open=%s all_open_at_s=%.1f server_fds_all_open=%ld rss_before_mib=%.1f "
        "rss_all_open_mib=%.1f "
        "hwm_all_open_mib=%.1f rss_peak_mib=%.1f hwm_end_mib=%.1f "
        "rss_end_mib=%.1f deltas=%ld first_delta_p50_ms=%.0f first_delta_p99_ms=%.0f "
        "stream_p50_ms=%.0f stream_p99_ms=%.0f total_s=%.1f\n",
        options.streams, run.metas, run.dones, run.errors, run.truncated, run.max_open,
        run.all_open_sampled ? "yes" : "no", run.all_open_at_s, run.fds_all_open,
        before.rss_kib / 1024.0, run.at_all_open.rss_kib / 1024.0, run.at_all_open.hwm_kib / 1024.0,
        run.peak.rss_kib / 1024.0, run.peak.hwm_kib / 1024.0, after.rss_kib / 1024.0, run.deltas,
        percentile(run.first_delta_ms, 0.5), percentile(run.first_delta_ms, 0.99),
        percentile(run.total_ms, 0.5), percentile(run.total_ms, 0.99), seconds_since(run.start));
    return run.all_open_sampled && run.errors == 0 && run.dones == options.streams ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const auto options = parse_options(argc, argv);
        companion::util::raise_open_file_limit();
        if (options.mode == "turns" || options.mode == "direct") return run_loop(options);
        if (options.mode == "streams") return run_streams(options);
        throw std::invalid_argument("unknown mode " + options.mode);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bench_chat_load: %s\n", error.what());
        return 2;
    }
}
