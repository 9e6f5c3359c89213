// HTTPS to the LLM server: certificates are verified (system CAs, plus LLM_CA_FILE), the host
// name is checked, and a refusal says why. The fake server serves TLS with a throwaway
// self-signed certificate made by the openssl command.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <stdexcept>

#include "support/fake_llm.hpp"
#include "support/fake_llm_client.hpp"
#include "support/tools.hpp"

namespace companion::testing {
namespace {

namespace fs = std::filesystem;
using Kind = llm::LlmError::Kind;

class TempDir {
  public:
    TempDir()
        : path_(fs::temp_directory_path() /
                ("companion-tls-" + std::to_string(std::random_device{}()))) {
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

struct Certificate {
    std::string cert_file;
    std::string key_file;
};

// A self-signed certificate (its own CA) for the given subjectAltName list.
Certificate self_signed(const fs::path& dir, const std::string& name,
                        const std::string& alt_names) {
    Certificate made{(dir / (name + ".crt")).string(), (dir / (name + ".key")).string()};
    const auto result = run_tool(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=companion-test -addext 'subjectAltName=" +
        alt_names + "' -keyout '" + made.key_file + "' -out '" + made.cert_file + "'");
    if (result.exit_code != 0) throw std::runtime_error("openssl failed: " + result.output);
    return made;
}

FakeLlm::Options tls_fake(const Certificate& certificate) {
    FakeLlm::Options options;
    options.tls_cert_file = certificate.cert_file;
    options.tls_key_file = certificate.key_file;
    options.behaviour_json = R"({"reply": "secure hello"})";
    return options;
}

TEST(LlmTls, AnUntrustedCertificateIsRefusedSayingWhy) {
    TempDir dir;
    const auto certificate = self_signed(dir.path(), "local", "DNS:localhost,IP:127.0.0.1");
    FakeLlm fake(tls_fake(certificate));
    LlmHarness llm(fast_llm_options(fake.base_url()));
    const auto error = llm_error_of([&] { llm.complete(); });
    EXPECT_EQ(error.kind(), Kind::unavailable);
    const std::string message = error.what();
    EXPECT_NE(message.find("TLS certificate of https://127.0.0.1:" + std::to_string(fake.port()) +
                           " was refused: self"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("signed certificate"), std::string::npos) << message;
    EXPECT_NE(message.find("LLM_CA_FILE"), std::string::npos) << message;
    EXPECT_FALSE(llm.probe());
}

TEST(LlmTls, ACertificateTrustedThroughTheCaFileIsAcceptedByIpAndByName) {
    TempDir dir;
    const auto certificate = self_signed(dir.path(), "local", "DNS:localhost,IP:127.0.0.1");
    FakeLlm fake(tls_fake(certificate));
    for (const std::string host : {"127.0.0.1", "localhost"}) {
        SCOPED_TRACE(host);
        auto options = fast_llm_options(fake.base_url(host));
        options.ca_file = certificate.cert_file;
        LlmHarness llm(options);
        EXPECT_EQ(llm.complete().text, "secure hello");
        Deltas deltas;
        EXPECT_EQ(llm.stream(chat_request(), deltas).text, "secure hello");
        EXPECT_EQ(deltas.joined(), "secure hello");
        EXPECT_TRUE(llm.probe());
    }
}

TEST(LlmTls, ACertificateForAnotherHostIsRefusedEvenWhenItsCaIsTrusted) {
    TempDir dir;
    const auto certificate = self_signed(dir.path(), "other", "DNS:other.example");
    FakeLlm fake(tls_fake(certificate));
    auto options = fast_llm_options(fake.base_url("127.0.0.1"));
    options.ca_file = certificate.cert_file;
    LlmHarness by_ip(options);
    const auto ip_error = llm_error_of([&] { by_ip.complete(); });
    EXPECT_EQ(ip_error.kind(), Kind::unavailable);
    EXPECT_NE(std::string(ip_error.what()).find("IP address mismatch"), std::string::npos)
        << ip_error.what();

    options.base_url = fake.base_url("localhost");
    LlmHarness by_name(options);
    const auto name_error = llm_error_of([&] { by_name.complete(); });
    EXPECT_NE(std::string(name_error.what()).find("hostname mismatch"), std::string::npos)
        << name_error.what();
}

TEST(LlmTls, HttpsToAPlainHttpServerFailsTheHandshake) {
    FakeLlm fake;
    auto options = fast_llm_options("https://127.0.0.1:" + std::to_string(fake.port()) + "/v1");
    LlmHarness llm(options);
    const auto error = llm_error_of([&] { llm.complete(); });
    EXPECT_EQ(error.kind(), Kind::unavailable);
    EXPECT_NE(std::string(error.what()).find("TLS handshake"), std::string::npos) << error.what();
    EXPECT_TRUE(fake.chat_requests().empty());
}

TEST(LlmTls, AnUnreadableCaFileIsRefusedWhenTheClientIsMade) {
    auto options = fast_llm_options("https://127.0.0.1:1/v1");
    options.ca_file = "/nonexistent/ca.pem";
    TestLoop loop;
    metrics::Registry registry;
    try {
        llm::LlmClient client(loop.executor(), options, registry);
        FAIL() << "no error";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("LLM_CA_FILE=\"/nonexistent/ca.pem\""),
                  std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace companion::testing
