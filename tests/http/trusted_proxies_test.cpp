#include "http/trusted_proxies.hpp"

#include <gtest/gtest.h>

namespace companion::http {
namespace {

TEST(TrustedProxies, TheForwardedClientIsBelievedOnlyFromATrustedPeer) {
    const TrustedProxies proxies({"127.0.0.1", "10.0.0.0/8", "::1"});
    EXPECT_EQ(proxies.client_address("127.0.0.1", "203.0.113.9"), "203.0.113.9");
    EXPECT_EQ(proxies.client_address("::1", "203.0.113.9"), "203.0.113.9");
    EXPECT_EQ(proxies.client_address("198.51.100.4", "203.0.113.9"), "198.51.100.4");
    EXPECT_EQ(proxies.client_address("127.0.0.1", ""), "127.0.0.1");
}

TEST(TrustedProxies, TheClientIsTheRightMostAddressThatIsNotAProxy) {
    const TrustedProxies proxies({"10.0.0.0/8"});
    // A client may forge the left part; only the hops the proxies appended count.
    EXPECT_EQ(proxies.client_address("10.1.2.3", "6.6.6.6, 203.0.113.9, 10.9.9.9"), "203.0.113.9");
    EXPECT_EQ(proxies.client_address("10.1.2.3", "10.2.2.2, 10.3.3.3"), "10.2.2.2");
    EXPECT_EQ(proxies.client_address("10.1.2.3", "not-an-ip"), "10.1.2.3");
}

TEST(TrustedProxies, RangesMatchByPrefixAndFamily) {
    const TrustedProxies proxies({"192.168.0.0/16", "fd00::/8"});
    EXPECT_TRUE(proxies.contains("192.168.44.1"));
    EXPECT_FALSE(proxies.contains("192.169.0.1"));
    EXPECT_TRUE(proxies.contains("fd12::1"));
    EXPECT_FALSE(proxies.contains("fe80::1"));
    EXPECT_TRUE(proxies.contains("::ffff:192.168.1.1")) << "IPv4-mapped counts as IPv4";
    EXPECT_TRUE(TrustedProxies({}).empty());
}

TEST(TrustedProxies, BadEntriesAreRefused) {
    EXPECT_THROW(TrustedProxies({"10.0.0.0/33"}), std::invalid_argument);
    EXPECT_THROW(TrustedProxies({"proxy.local"}), std::invalid_argument);
    EXPECT_FALSE(is_proxy_entry("1.2.3.4/"));
    EXPECT_TRUE(is_proxy_entry("2001:db8::/32"));
}

}  // namespace
}  // namespace companion::http
