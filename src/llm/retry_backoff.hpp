// Exponential backoff with full jitter: the wait before retry n (0-based) is uniform in
// [0, min(max, base * 2^n)], so that many callers failing together do not retry in step.
#pragma once

#include <chrono>
#include <cstdint>

namespace companion::llm {

class RetryBackoff {
  public:
    RetryBackoff(std::chrono::milliseconds base, std::chrono::milliseconds max);

    // The upper bound of the wait before retry n.
    std::chrono::milliseconds ceiling(int retry) const;
    // A wait before retry n; `unit` in [0, 1) picks where in [0, ceiling] it falls.
    std::chrono::milliseconds delay(int retry, double unit) const;
    // A wait before retry n from a thread-local random source.
    std::chrono::milliseconds delay(int retry) const;

  private:
    std::chrono::milliseconds base_;
    std::chrono::milliseconds max_;
};

}  // namespace companion::llm
