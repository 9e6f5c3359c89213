#include "cache/redis_backoff.hpp"

#include <algorithm>

namespace companion::cache::detail {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      current_(initial_),
      random_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::next() {
    const auto full = current_.count();
    std::uniform_int_distribution<long long> pick((full + 1) / 2, full);
    const std::chrono::milliseconds delay(pick(random_));
    current_ = std::min(current_ * 2, max_);
    return delay;
}

}  // namespace companion::cache::detail
