#include "util/uuid.hpp"

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <sys/random.h>

namespace companion::util {

namespace {

// The kernel's CSPRNG, read a few hundred bytes at a time per thread: one getrandom() call per
// 25 ids instead of a locked OpenSSL DRBG call per id (an id is minted for every row written).
void random_bytes(unsigned char* out, std::size_t count) {
    thread_local std::array<unsigned char, 256> pool{};
    thread_local std::size_t used = pool.size();
    if (pool.size() - used < count) {
        std::size_t filled = 0;
        while (filled < pool.size()) {
            const auto got = ::getrandom(pool.data() + filled, pool.size() - filled, 0);
            if (got < 0) {
                if (errno == EINTR) continue;
                throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
            }
            filled += static_cast<std::size_t>(got);
        }
        used = 0;
    }
    std::memcpy(out, pool.data() + used, count);
    std::memset(pool.data() + used, 0, count);  // a byte handed out is not kept
    used += count;
}

}  // namespace

std::string new_uuid_v7() {
    std::array<unsigned char, 16> bytes{};
    random_bytes(bytes.data() + 6, 10);
    const auto millis = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
    for (int i = 0; i < 6; ++i) bytes[static_cast<std::size_t>(i)] = (millis >> (40 - 8 * i)) & 0xff;
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x70);  // version 7
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // variant 10
    static constexpr char hex[] = "0123456789abcdef";
    std::string text;
    text.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
        text += hex[bytes[i] >> 4];
        text += hex[bytes[i] & 0x0f];
    }
    return text;
}

bool is_uuid(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

}  // namespace companion::util
