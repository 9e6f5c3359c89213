#include "store/postgres/cancel.hpp"

#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "store/postgres/errors.hpp"
#include "util/log.hpp"

namespace companion::store::pg {

CancelWorker::CancelWorker(std::size_t capacity) : capacity_(capacity) {}

CancelWorker::~CancelWorker() { stop(); }

bool CancelWorker::submit(PGcancel* cancel) {
    std::unique_lock lock(mutex_);
    bool accepted = !stopping_ && queue_.size() < capacity_;
    if (accepted && !thread_.joinable()) {
        try {
            thread_ = std::thread([this] { run(); });
        } catch (const std::system_error&) {
            accepted = false;
        }
    }
    if (accepted) {
        queue_.push_back(cancel);
        wake_.notify_one();
        return true;
    }
    ++dropped_;
    const bool stopped = stopping_;
    lock.unlock();
    PQfreeCancel(cancel);
    if (!stopped) {
        log::warn("PostgreSQL cancel request dropped: the cancel queue is full",
                  {{"queue_capacity", capacity_}});
    }
    return false;
}

void CancelWorker::stop() {
    std::thread thread;
    std::deque<PGcancel*> queued;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        thread = std::move(thread_);
        queued.swap(queue_);
        dropped_ += static_cast<std::int64_t>(queued.size());
    }
    wake_.notify_all();
    for (PGcancel* cancel : queued) PQfreeCancel(cancel);
    if (thread.joinable()) thread.join();
}

std::int64_t CancelWorker::sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
}

std::int64_t CancelWorker::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

void CancelWorker::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        PGcancel* cancel = queue_.front();
        queue_.pop_front();
        lock.unlock();
        char error[256] = "";
        const bool delivered = PQcancel(cancel, error, sizeof error) == 1;
        PQfreeCancel(cancel);
        if (!delivered) {
            const std::string reason = first_line(error);
            log::warn("PostgreSQL cancel request failed", {{"reason", std::string_view(reason)}});
        }
        lock.lock();
        ++sent_;
    }
}

}  // namespace companion::store::pg
