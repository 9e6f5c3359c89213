#include "companion/persona.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "config/settings.hpp"

namespace companion::chat {

namespace {

constexpr std::size_t kMaxPersonaBytes = 20000;

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::string read_persona_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("COMPANION_PERSONA_FILE=" + path + " cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    auto content = trimmed(text.str());
    if (content.empty()) throw std::runtime_error("COMPANION_PERSONA_FILE=" + path + " is empty");
    if (content.size() > kMaxPersonaBytes) {
        throw std::runtime_error("COMPANION_PERSONA_FILE=" + path + " is over 20000 bytes");
    }
    return content;
}

}  // namespace

std::string default_persona_text(const std::string& name) {
    return "You are " + name +
           ", a warm, attentive companion. You remember what the person has told you and "
           "bring it up naturally when it helps. You listen first, ask gentle questions, and "
           "respond to how they feel, not only to what they say. You are honest and kind: you "
           "encourage their goals, celebrate their progress, and never pretend to be human or "
           "to know what you do not. Keep answers conversational and reasonably short unless "
           "they ask for more.";
}

Persona load_persona(const config::Settings& settings) {
    Persona persona;
    persona.name = settings.companion_name;
    std::string text;
    if (!settings.companion_persona_file.empty()) {
        text = read_persona_file(settings.companion_persona_file);
    } else {
        text = trimmed(settings.companion_persona);
    }
    if (text.empty()) text = default_persona_text(persona.name);
    persona.text = replace_all(std::move(text), "{name}", persona.name);
    return persona;
}

}  // namespace companion::chat
