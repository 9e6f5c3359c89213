// Wall-clock seconds since the Unix epoch (JWT claims are in whole seconds).
#pragma once

#include <chrono>
#include <cstdint>

namespace companion::util {

inline std::int64_t unix_seconds_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace companion::util
