// Tells the other replicas that a user's long-term memories changed, so that each one drops its
// cached matrix of the user (memory::MatrixCache::invalidate). The writing replica applies the
// change to its own cache in place and is not told again.
#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

namespace companion::memory {

class MemoryEvents {
  public:
    virtual ~MemoryEvents() = default;
    // Never throws: a failure is logged (MatrixCacheOptions::max_age bounds how long it matters;
    // a replica whose subscription dropped stops trusting its cache anyway).
    virtual boost::asio::awaitable<void> memories_changed(std::string user_id) = 0;
};

}  // namespace companion::memory
