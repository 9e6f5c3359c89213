#include "util/log.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace companion::log {
namespace {

bool json_mode = false;

// stdout without a flush per line (spdlog's stdout sink flushes each one): the background logger
// thread writes in blocks; flush_every and flush_on(warn) keep lines timely.
class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        std::fwrite(formatted.data(), 1, formatted.size(), stdout);
    }
    void flush_() override { std::fflush(stdout); }
};

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::trace: return spdlog::level::trace;
        case Level::debug: return spdlog::level::debug;
        case Level::info: return spdlog::level::info;
        case Level::warning: return spdlog::level::warn;
        case Level::error: return spdlog::level::err;
        case Level::critical: return spdlog::level::critical;
    }
    return spdlog::level::info;
}

// Text mode quotes (and escapes) a string only when it needs it; JSON mode always does. Either
// way a value cannot start a new log line.
void append_value(std::string& out, const Field& field, bool json) {
    std::visit(
        [&](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
                const bool quote = json || value.empty() ||
                                   std::any_of(value.begin(), value.end(), [](char c) {
                                       return c == ' ' || c == '"' ||
                                              static_cast<unsigned char>(c) < 0x20;
                                   });
                if (!quote) {
                    out += value;
                    return;
                }
                out += '"';
                append_json_escaped(out, value);
                out += '"';
            } else if constexpr (std::is_same_v<T, bool>) {
                out += value ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                fmt::format_to(std::back_inserter(out), "{:.6g}", value);
            } else {
                fmt::format_to(std::back_inserter(out), "{}", value);
            }
        },
        field.value);
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) {
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<int>(c));
                } else {
                    out += c;
                }
        }
    }
}

void init(Level level, bool json) {
    json_mode = json;
    spdlog::drop_all();
    if (!spdlog::thread_pool()) spdlog::init_thread_pool(8192, 1);
    auto sink = std::make_shared<BufferedStdoutSink>();
    // Blocking when the queue is full: a log line is never dropped silently.
    auto logger = std::make_shared<spdlog::async_logger>("companion", std::move(sink),
                                                         spdlog::thread_pool(),
                                                         spdlog::async_overflow_policy::block);
    if (json) {
        logger->set_pattern(R"({"timestamp":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                            spdlog::pattern_time_type::utc);
    } else {
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-8l%$ %v");
    }
    logger->set_level(to_spdlog(level));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
    spdlog::flush_every(std::chrono::seconds(1));
}

void shutdown() {
    if (auto logger = spdlog::default_logger()) logger->flush();
    spdlog::shutdown();
}

bool enabled(Level level) { return spdlog::default_logger_raw()->should_log(to_spdlog(level)); }

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
    auto* logger = spdlog::default_logger_raw();
    const auto spd_level = to_spdlog(level);
    if (!logger->should_log(spd_level)) return;
    std::string line;
    line.reserve(128);
    if (json_mode) {
        line += "\"message\":\"";
        append_json_escaped(line, message);
        line += '"';
        for (const auto& field : fields) {
            line += ",\"";
            line += field.key;
            line += "\":";
            append_value(line, field, true);
        }
    } else {
        line += message;
        for (const auto& field : fields) {
            line += ' ';
            line += field.key;
            line += '=';
            append_value(line, field, false);
        }
    }
    logger->log(spd_level, "{}", line);
}

}  // namespace companion::log
