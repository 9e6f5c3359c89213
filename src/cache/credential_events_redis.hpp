// CredentialEvents over Redis pub/sub, for N replicas: a change is PUBLISHed, and every replica
// (this one included) forgets the named user in its AuthCache. The cache is trusted only while the
// subscription is up; when it drops, messages may be missed, so the cache is emptied and bypassed
// until Redis confirms the subscription again.
#pragma once

#include <string>

#include "auth/credential_events.hpp"

namespace companion::auth {
class AuthCache;
}

namespace companion::cache {

class RedisClient;
class RedisSubscriber;

class RedisCredentialEvents final : public auth::CredentialEvents {
  public:
    static constexpr const char* kChannel = "companion:auth:changed";

    RedisCredentialEvents(RedisClient& client, RedisSubscriber& subscriber,
                          auth::AuthCache& cache);

    // Subscribes. Returns when Redis has confirmed, or at once when Redis cannot be reached (the
    // subscription is made as soon as it can be; until then the cache is not trusted).
    boost::asio::awaitable<void> start();

    boost::asio::awaitable<void> user_changed(std::string user_id) override;

  private:
    RedisClient& client_;
    RedisSubscriber& subscriber_;
    auth::AuthCache& cache_;
};

}  // namespace companion::cache
