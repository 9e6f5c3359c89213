#include "util/log.hpp"

#include "util/utf8.hpp"

#include <algorithm>
#include <cstdio>

#include <unistd.h>
#include <string>

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace companion::log {
namespace {

bool json_mode = false;

// stdout without a flush per line (spdlog's stdout sink flushes each one): lines are written in
// blocks; flush_every and flush_on(warn) keep them timely.
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
    while (!text.empty()) {
        const char c = text.front();
        const auto length = util::utf8_sequence_length(text);
        if (length == 0) {
            out += "\\ufffd";  // an invalid byte never makes the line invalid JSON
            text.remove_prefix(1);
            continue;
        }
        if (length > 1) {
            out.append(text.substr(0, length));
            text.remove_prefix(length);
            continue;
        }
        text.remove_prefix(1);
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
    // Synchronous into a large stdio buffer: formatting a line costs the calling thread well
    // under a microsecond, and there is no queue, no wake-up of another thread per line.
    static bool buffered = false;  // setvbuf is only allowed before the first write
    if (!buffered && !isatty(fileno(stdout))) {
        static char buffer[1 << 16];
        std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
        buffered = true;
    }
    auto sink = std::make_shared<BufferedStdoutSink>();
    auto logger = std::make_shared<spdlog::logger>("companion", std::move(sink));
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
    // Flush only: the logger stays, so a line written later (a destructor, a straggling thread)
    // is still safe.
    if (auto* logger = spdlog::default_logger_raw()) logger->flush();
    std::fflush(stdout);
}

bool enabled(Level level) {
    auto* logger = spdlog::default_logger_raw();
    return logger != nullptr && logger->should_log(to_spdlog(level));
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
    auto* logger = spdlog::default_logger_raw();
    const auto spd_level = to_spdlog(level);
    if (logger == nullptr || !logger->should_log(spd_level)) return;
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
