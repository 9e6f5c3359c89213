#include <boost/json.hpp>

#include "cache/redis_client.hpp"
#include "cache/redis_errors.hpp"
#include "cache/short_term_memory.hpp"
#include "util/log.hpp"

namespace companion::cache {

namespace {

namespace json = boost::json;

std::string encode(const store::Message& message) {
    json::object object;
    object["id"] = message.id;
    object["conversation_id"] = message.conversation_id;
    object["user_id"] = message.user_id;
    object["role"] = store::to_string(message.role);
    object["status"] = store::to_string(message.status);
    object["content"] = message.content;
    object["created_at"] = message.created_at.time_since_epoch().count();
    if (message.valence) object["valence"] = *message.valence;
    return json::serialize(object);
}

// nullopt for anything this code did not write: the window is then treated as a miss.
std::optional<store::Message> decode(const std::string& text) {
    boost::system::error_code ec;
    const auto value = json::parse(text, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto& object = value.as_object();
    const auto string_of = [&object](std::string_view name) -> const json::string* {
        const auto* field = object.if_contains(name);
        return field != nullptr && field->is_string() ? &field->as_string() : nullptr;
    };
    const auto* id = string_of("id");
    const auto* conversation = string_of("conversation_id");
    const auto* user = string_of("user_id");
    const auto* role = string_of("role");
    const auto* status = string_of("status");
    const auto* content = string_of("content");
    const auto* created = object.if_contains("created_at");
    if (!id || !conversation || !user || !role || !status || !content || !created ||
        !created->is_int64()) {
        return std::nullopt;
    }
    const auto parsed_role = store::parse_message_role(*role);
    const auto parsed_status = store::parse_message_status(*status);
    if (!parsed_role || !parsed_status) return std::nullopt;
    store::Message message;
    message.id = *id;
    message.conversation_id = *conversation;
    message.user_id = *user;
    message.role = *parsed_role;
    message.status = *parsed_status;
    message.content = *content;
    message.created_at = store::Timestamp(std::chrono::microseconds(created->as_int64()));
    if (const auto* valence = object.if_contains("valence")) {
        if (!valence->is_number()) return std::nullopt;
        message.valence = valence->to_number<double>();
    }
    return message;
}

// The messages of an LRANGE reply; nullopt for an empty list (none held) or any entry this code
// did not write.
std::optional<std::vector<store::Message>> decode_window(const Reply& reply) {
    if (!reply.is_array() || reply.elements.empty()) return std::nullopt;
    std::vector<store::Message> messages;
    messages.reserve(reply.elements.size() + 1);  // room for the message the caller adds
    for (const auto& element : reply.elements) {
        auto message = element.is_string() ? decode(element.text) : std::nullopt;
        if (!message) return std::nullopt;
        messages.push_back(std::move(*message));
    }
    return messages;
}

class RedisShortTermMemory final : public ShortTermMemory {
public:
    RedisShortTermMemory(RedisClient& redis, std::size_t size, std::chrono::seconds ttl)
        : redis_(redis), size_(size), ttl_(ttl) {}

    boost::asio::awaitable<std::optional<std::vector<store::Message>>> window(
        std::string conversation_id) override {
        if (size_ == 0) co_return std::nullopt;
        std::string failure;
        std::optional<std::vector<store::Message>> messages;
        try {
            messages = decode_window(co_await redis_.command("LRANGE", key(conversation_id), 0, -1));
        } catch (const RedisException& error) {
            failure = error.what();
        }
        if (!failure.empty()) warn("read", failure);
        co_return messages;
    }

    boost::asio::awaitable<std::optional<std::vector<store::Message>>> window_then_append(
        std::string conversation_id, store::Message message) override {
        if (size_ == 0) co_return std::nullopt;
        const auto name = key(conversation_id);
        std::vector<std::vector<std::string>> commands{
            {"MULTI"},
            {"LRANGE", name, "0", "-1"},
            {"RPUSHX", name, encode(message)},
            {"LTRIM", name, "-" + std::to_string(size_), "-1"},
            {"EXPIRE", name, std::to_string(ttl_.count()), "XX"},
            {"EXEC"}};
        std::string failure;
        std::optional<std::vector<store::Message>> messages;
        try {
            const auto replies = co_await redis_.pipeline(std::move(commands));
            const auto& done = replies.back();  // EXEC: the four replies, or an error
            if (done.is_array() && done.elements.size() == 4) {
                messages = decode_window(done.elements.front());
            } else {
                failure = done.is_error() ? done.text : "the transaction was not executed";
            }
        } catch (const RedisException& error) {
            failure = error.what();
        }
        // A miss: the caller reads the store and fills the window, replacing whatever is held.
        if (!failure.empty()) warn("read and append", failure);
        co_return messages;
    }

    boost::asio::awaitable<void> fill(std::string conversation_id,
                                      std::vector<store::Message> messages) override {
        if (size_ == 0) co_return;
        const auto name = key(conversation_id);
        std::vector<std::string> push{"RPUSH", name};
        const std::size_t skip = messages.size() > size_ ? messages.size() - size_ : 0;
        for (std::size_t i = skip; i < messages.size(); ++i) push.push_back(encode(messages[i]));
        std::vector<std::vector<std::string>> commands{{"MULTI"}, {"DEL", name}};
        if (push.size() > 2) commands.push_back(std::move(push));
        commands.push_back({"EXPIRE", name, std::to_string(ttl_.count())});
        commands.push_back({"EXEC"});
        co_await run(std::move(commands), "fill");
    }

    boost::asio::awaitable<void> append(std::string conversation_id,
                                        std::vector<store::Message> messages) override {
        if (size_ == 0 || messages.empty()) co_return;
        const auto name = key(conversation_id);
        // RPUSHX: a window that is not held stays a miss, so it is never a partial window.
        std::vector<std::string> push{"RPUSHX", name};
        for (const auto& message : messages) push.push_back(encode(message));
        std::vector<std::vector<std::string>> commands{
            {"MULTI"},
            std::move(push),
            {"LTRIM", name, "-" + std::to_string(size_), "-1"},
            {"EXPIRE", name, std::to_string(ttl_.count()), "XX"},
            {"EXEC"}};
        const bool appended = co_await run(std::move(commands), "append");
        // A window that missed a message must not be used again: drop it if Redis lets us.
        if (!appended) co_await forget(std::move(conversation_id));
    }

    boost::asio::awaitable<void> forget(std::string conversation_id) override {
        std::vector<std::vector<std::string>> commands{{"DEL", key(conversation_id)}};
        co_await run(std::move(commands), "forget");
    }

    std::size_t size() const override { return size_; }

private:
    static std::string key(const std::string& conversation_id) {
        std::string name = "companion:stm:";
        name += conversation_id;
        return name;
    }

    // False (and logged) when any command failed.
    boost::asio::awaitable<bool> run(std::vector<std::vector<std::string>> commands,
                                     std::string_view what) {
        std::string failure;
        try {
            const auto replies = co_await redis_.pipeline(std::move(commands));
            for (const auto& reply : replies) {
                if (reply.is_error()) failure = reply.text;
            }
        } catch (const RedisException& error) {
            failure = error.what();
        }
        if (!failure.empty()) warn(what, failure);
        co_return failure.empty();
    }

    static void warn(std::string_view what, const std::string& failure) {
        log::warn("short-term memory in Redis failed; the store answers instead",
                  {{"operation", what}, {"error", std::string_view(failure)}});
    }

    RedisClient& redis_;
    const std::size_t size_;
    const std::chrono::seconds ttl_;
};

}  // namespace

std::unique_ptr<ShortTermMemory> make_redis_short_term_memory(RedisClient& redis,
                                                              std::size_t size,
                                                              std::chrono::seconds ttl) {
    return std::make_unique<RedisShortTermMemory>(redis, size, ttl);
}

}  // namespace companion::cache
