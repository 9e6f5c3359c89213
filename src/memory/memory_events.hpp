// Tells the other replicas that a user's long-term memories changed, so that each one drops its
// cached matrix of the user (memory::MatrixCache::invalidate). The writing replica applies the
// change to its own cache in place and is not told again. Before a search, before_search makes
// sure this replica's matrix is not older than the last change any replica finished.
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
    // Drops the user's cached matrix when another replica changed the user's memories since it
    // was read, so that a search never answers from it. Never throws (when it cannot tell, it
    // drops the matrix: the store answers).
    virtual boost::asio::awaitable<void> before_search(const std::string& user_id) = 0;
};

}  // namespace companion::memory
