// Tuning of the Redis client and subscriber; the defaults suit a Redis on the local network.
#pragma once

#include <chrono>

namespace companion::cache {

struct RedisOptions {
    // Deadline of each command (a pipeline shares one); may be given per call instead.
    std::chrono::milliseconds command_timeout{2000};
    // Resolving, connecting, AUTH and SELECT together.
    std::chrono::milliseconds connect_timeout{2000};
    // Deadline of ping(), the health probe.
    std::chrono::milliseconds ping_timeout{500};
    // Delays between reconnect attempts: doubling from the first to the last, with jitter.
    std::chrono::milliseconds reconnect_initial_delay{50};
    std::chrono::milliseconds reconnect_max_delay{2000};
};

}  // namespace companion::cache
