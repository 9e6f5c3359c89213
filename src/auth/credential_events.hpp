// Tells every replica that a user's credentials changed (password, logout, API key revoked,
// account deleted), so that each one's AuthCache forgets the user.
#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

namespace companion::auth {

class CredentialEvents {
  public:
    virtual ~CredentialEvents() = default;
    // Never throws: a failure is logged (the caches' maximum age bounds how long it matters).
    virtual boost::asio::awaitable<void> user_changed(std::string user_id) = 0;
};

}  // namespace companion::auth
