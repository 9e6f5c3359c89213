// A fake OpenAI-compatible LLM server for tests and benchmarks: /v1/chat/completions (streamed
// or not), /v1/embeddings, /v1/models, with staged latency, token rate, error statuses,
// disconnects, malformed chunks and hangs; it records every request it got. Control endpoints:
//   POST /_control   behaviour JSON (see behaviour.hpp), optionally "sequence": [overrides...]
//                    applied one per chat/embeddings request before the behaviour itself
//   POST /_reset     default behaviour, no sequence, no records, zeroed statistics
//   GET  /_requests  every request: method, path, headers, body, status, outcome, tokens_sent
//   GET  /_stats     connections and requests counters, chat requests in flight (and the peak)
// One thread, one coroutine per connection: many thousands of slow streams at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

namespace companion::fake_llm {

struct ServerConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;     // 0: any free port
    std::string tls_cert_file;  // both set: HTTPS
    std::string tls_key_file;
    boost::json::object behaviour;
    bool record = true;  // keep /_requests (off for long benchmarks)
};

class FakeServer {
  public:
    // Binds at once (std::runtime_error when it cannot); serves after start().
    FakeServer(boost::asio::io_context& io, ServerConfig config);
    ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    std::uint16_t port() const;
    void start();

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace companion::fake_llm
