// Internal to llm/: what every HTTP call to the LLM server shares: where it is, the TLS context
// (system CAs, verification on), the pool of kept-alive connections, the common headers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "llm/base_url.hpp"
#include "llm/connection_pool.hpp"
#include "llm/llm_options.hpp"

namespace companion::llm::detail {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

class Transport {
  public:
    // Throws std::invalid_argument for a bad base URL or an unreadable LLM_CA_FILE.
    Transport(boost::asio::any_io_executor executor, const LlmOptions& options);

    const BaseUrl& url() const { return url_; }
    const LlmOptions& options() const { return options_; }
    const boost::asio::any_io_executor& executor() const { return executor_; }
    boost::asio::ssl::context* tls() { return tls_ ? &*tls_ : nullptr; }
    ConnectionPool& pool() { return pool_; }

    // method path_prefix+endpoint with Host, User-Agent, Accept, Authorization (when a key is
    // set) and, with a body, Content-Type: application/json.
    Request request(boost::beast::http::verb method, std::string_view endpoint, std::string body,
                    std::string_view accept) const;

  private:
    boost::asio::any_io_executor executor_;
    LlmOptions options_;
    BaseUrl url_;
    std::optional<boost::asio::ssl::context> tls_;
    ConnectionPool pool_;
};

}  // namespace companion::llm::detail
