// A steady clock that tests move by hand, for the limiters' injectable clocks.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace companion::cache::test_support {

class FakeClock {
public:
    std::chrono::steady_clock::time_point now() const {
        return std::chrono::steady_clock::time_point(std::chrono::hours(1000)) +
               std::chrono::microseconds(offset_us_.load());
    }
    void advance(std::chrono::microseconds by) { offset_us_ += by.count(); }
    std::function<std::chrono::steady_clock::time_point()> function() {
        return [this] { return now(); };
    }

private:
    std::atomic<long long> offset_us_{0};
};

// "user" + std::to_string(n) trips g++ 12's -Wstringop-overflow false positive at -O3.
inline std::string numbered(std::string_view prefix, int n) {
    std::string out(prefix);
    out += std::to_string(n);
    return out;
}

}  // namespace companion::cache::test_support
