// The fake OpenAI-compatible LLM server (tests/fake_llm) as a child process on a free port, with
// its control endpoints: stage behaviours, read back the requests it got.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace companion::testing {

class FakeLlm {
  public:
    struct Options {
        std::string behaviour_json;  // the behaviour at start (tests/fake_llm/behaviour.hpp)
        std::string tls_cert_file;   // both set: the fake speaks HTTPS (no control calls then)
        std::string tls_key_file;
    };

    // Starts it and waits until it listens; throws when it cannot.
    FakeLlm();
    explicit FakeLlm(Options options);
    ~FakeLlm();
    FakeLlm(const FakeLlm&) = delete;
    FakeLlm& operator=(const FakeLlm&) = delete;

    std::uint16_t port() const { return port_; }
    // http(s)://<host>:<port>/v1, the LM_STUDIO_BASE_URL pointing at it.
    std::string base_url(const std::string& host = "127.0.0.1") const;

    // POST /_control with the behaviour JSON (throws unless the fake accepts it).
    void configure(const std::string& behaviour_json);
    void reset();
    // Every request it got (GET /_requests), oldest first.
    boost::json::array requests();
    // The chat completion requests only.
    boost::json::array chat_requests();
    boost::json::object stats();

    // Kills the process (the port stops answering); start() brings it back on the same port.
    void stop();
    void start();
    bool running();

  private:
    Options options_;
    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    int pid_ = -1;
};

}  // namespace companion::testing
