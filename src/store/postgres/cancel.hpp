// Cancel requests for statements whose client deadline passed. PQcancel blocks (it opens a new
// connection to the server and waits for it to close), so one thread of the pool's own sends
// them, fed by a small bounded queue; stop() joins it, so no thread is left inside libpq once the
// pool is closed.
#pragma once

#include <postgresql/libpq-fe.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

namespace companion::store::pg {

class CancelWorker {
public:
    explicit CancelWorker(std::size_t capacity = 16);
    ~CancelWorker();
    CancelWorker(const CancelWorker&) = delete;
    CancelWorker& operator=(const CancelWorker&) = delete;

    // Takes `cancel` (from PQgetCancel) and queues it; the thread starts with the first request.
    // False, with the request freed, when the queue is full (logged) or the worker stopped.
    bool submit(PGcancel* cancel);
    // Lets the request under way finish, drops the queued ones and joins the thread. Idempotent.
    void stop();

    std::int64_t sent() const;     // requests handed to the server (or tried to)
    std::int64_t dropped() const;  // requests never sent: queue full, or stopped

private:
    void run();

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<PGcancel*> queue_;
    std::thread thread_;
    bool stopping_ = false;
    std::int64_t sent_ = 0;
    std::int64_t dropped_ = 0;
};

}  // namespace companion::store::pg
