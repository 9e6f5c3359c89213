#include "llm/retry_backoff.hpp"

#include <algorithm>
#include <random>

namespace companion::llm {

RetryBackoff::RetryBackoff(std::chrono::milliseconds base, std::chrono::milliseconds max)
    : base_(std::max(base, std::chrono::milliseconds(0))), max_(std::max(max, base_)) {}

std::chrono::milliseconds RetryBackoff::ceiling(int retry) const {
    auto bound = base_;
    for (int i = 0; i < retry && bound < max_; ++i) bound *= 2;
    return std::min(bound, max_);
}

std::chrono::milliseconds RetryBackoff::delay(int retry, double unit) const {
    const double clamped = std::clamp(unit, 0.0, 1.0);
    const auto bound = ceiling(retry).count();
    const auto picked = static_cast<long long>(clamped * static_cast<double>(bound + 1));
    return std::chrono::milliseconds(std::min(picked, static_cast<long long>(bound)));
}

std::chrono::milliseconds RetryBackoff::delay(int retry) const {
    thread_local std::minstd_rand random(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    return delay(retry, unit(random));
}

}  // namespace companion::llm
