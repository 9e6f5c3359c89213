#include <list>
#include <mutex>
#include <unordered_map>

#include "cache/short_term_memory.hpp"

namespace companion::cache {

namespace {

std::size_t bytes_of(const std::vector<store::Message>& messages) {
    std::size_t bytes = 0;
    for (const auto& message : messages) bytes += message.content.size() + 128;
    return bytes;
}

void keep_last(std::vector<store::Message>& messages, std::size_t size) {
    if (messages.size() > size) {
        messages.erase(messages.begin(),
                       messages.begin() + static_cast<std::ptrdiff_t>(messages.size() - size));
    }
}

class LocalShortTermMemory final : public ShortTermMemory {
public:
    LocalShortTermMemory(std::size_t size, std::size_t max_bytes)
        : size_(size), max_bytes_(max_bytes) {}

    boost::asio::awaitable<std::optional<std::vector<store::Message>>> window(
        std::string conversation_id) override {
        std::lock_guard lock(mutex_);
        const auto found = entries_.find(conversation_id);
        if (found == entries_.end()) co_return std::nullopt;
        order_.splice(order_.begin(), order_, found->second.position);
        co_return found->second.messages;
    }

    boost::asio::awaitable<std::optional<std::vector<store::Message>>> window_then_append(
        std::string conversation_id, store::Message message) override {
        std::lock_guard lock(mutex_);
        const auto found = entries_.find(conversation_id);
        if (found == entries_.end()) co_return std::nullopt;
        auto& held = found->second.messages;
        std::vector<store::Message> before;
        before.reserve(held.size() + 1);  // room for the message the caller adds
        before.assign(held.begin(), held.end());
        bytes_ -= bytes_of(held);
        held.push_back(std::move(message));
        keep_last(held, size_);
        bytes_ += bytes_of(held);
        order_.splice(order_.begin(), order_, found->second.position);
        evict();
        co_return before;
    }

    boost::asio::awaitable<void> fill(std::string conversation_id,
                                      std::vector<store::Message> messages) override {
        keep_last(messages, size_);
        std::lock_guard lock(mutex_);
        erase(conversation_id);
        if (size_ == 0) co_return;
        order_.push_front(conversation_id);
        bytes_ += bytes_of(messages);
        entries_.emplace(std::move(conversation_id), Entry{std::move(messages), order_.begin()});
        evict();
    }

    boost::asio::awaitable<void> append(std::string conversation_id,
                                        std::vector<store::Message> messages) override {
        std::lock_guard lock(mutex_);
        const auto found = entries_.find(conversation_id);
        if (found == entries_.end()) co_return;
        auto& held = found->second.messages;
        bytes_ -= bytes_of(held);
        for (auto& message : messages) held.push_back(std::move(message));
        keep_last(held, size_);
        bytes_ += bytes_of(held);
        order_.splice(order_.begin(), order_, found->second.position);
        evict();
    }

    boost::asio::awaitable<void> forget(std::string conversation_id) override {
        std::lock_guard lock(mutex_);
        erase(conversation_id);
        co_return;
    }

    std::size_t size() const override { return size_; }

private:
    struct Entry {
        std::vector<store::Message> messages;
        std::list<std::string>::iterator position;
    };

    void erase(const std::string& conversation_id) {
        const auto found = entries_.find(conversation_id);
        if (found == entries_.end()) return;
        bytes_ -= bytes_of(found->second.messages);
        order_.erase(found->second.position);
        entries_.erase(found);
    }

    void evict() {
        while (bytes_ > max_bytes_ && !order_.empty()) erase(order_.back());
    }

    const std::size_t size_;
    const std::size_t max_bytes_;
    std::mutex mutex_;
    std::list<std::string> order_;  // most recently used first
    std::unordered_map<std::string, Entry> entries_;
    std::size_t bytes_ = 0;
};

class NoShortTermMemory final : public ShortTermMemory {
public:
    explicit NoShortTermMemory(std::size_t size) : size_(size) {}
    boost::asio::awaitable<std::optional<std::vector<store::Message>>> window(
        std::string) override {
        co_return std::nullopt;
    }
    boost::asio::awaitable<std::optional<std::vector<store::Message>>> window_then_append(
        std::string, store::Message) override {
        co_return std::nullopt;
    }
    boost::asio::awaitable<void> fill(std::string, std::vector<store::Message>) override {
        co_return;
    }
    boost::asio::awaitable<void> append(std::string, std::vector<store::Message>) override {
        co_return;
    }
    boost::asio::awaitable<void> forget(std::string) override { co_return; }
    std::size_t size() const override { return size_; }

private:
    std::size_t size_;
};

}  // namespace

std::unique_ptr<ShortTermMemory> make_local_short_term_memory(std::size_t size,
                                                              std::size_t max_bytes) {
    return std::make_unique<LocalShortTermMemory>(size, max_bytes);
}

std::unique_ptr<ShortTermMemory> make_no_short_term_memory(std::size_t size) {
    return std::make_unique<NoShortTermMemory>(size);
}

}  // namespace companion::cache
