#include "llm/transport.hpp"

#include <openssl/ssl.h>

#include <stdexcept>
#include <utility>

#include <boost/beast/http/field.hpp>

namespace companion::llm::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

asio::ssl::context make_tls_context(const std::string& ca_file) {
    asio::ssl::context context(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    // A connection waiting in the pool frees its TLS record buffers (~34 KiB) until it is used.
    SSL_CTX_set_mode(context.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    context.set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code error;
    context.set_default_verify_paths(error);
    if (error) {
        throw std::invalid_argument("cannot load the system's CA certificates: " + error.message());
    }
    if (!ca_file.empty()) {
        context.load_verify_file(ca_file, error);
        if (error) {
            throw std::invalid_argument(
                "LLM_CA_FILE=\"" + ca_file +
                "\" cannot be loaded as PEM CA certificates: " + error.message());
        }
    }
    return context;
}

}  // namespace

Transport::Transport(asio::any_io_executor executor, const LlmOptions& options)
    : executor_(std::move(executor)),
      options_(options),
      url_(parse_base_url(options.base_url)),
      pool_(options.max_concurrency, options.idle_connection_timeout) {
    if (url_.tls) tls_.emplace(make_tls_context(options.ca_file));
}

Request Transport::request(http::verb method, std::string_view endpoint, std::string body,
                           std::string_view accept) const {
    Request request(method, url_.target(endpoint), 11);
    request.set(http::field::host, url_.host_header);
    request.set(http::field::user_agent, "companion/" COMPANION_VERSION);
    request.set(http::field::accept, accept);
    if (!options_.api_key.empty()) {
        request.set(http::field::authorization, "Bearer " + options_.api_key);
    }
    if (method != http::verb::get) {
        request.set(http::field::content_type, "application/json");
        request.body() = std::move(body);
    }
    request.keep_alive(true);
    request.prepare_payload();
    return request;
}

}  // namespace companion::llm::detail
