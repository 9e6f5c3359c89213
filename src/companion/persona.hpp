// Who the companion is: its name and the persona text at the top of every system prompt, from
// COMPANION_NAME and COMPANION_PERSONA or COMPANION_PERSONA_FILE (read once at start-up).
#pragma once

#include <string>

namespace companion::config {
struct Settings;
}

namespace companion::chat {

struct Persona {
    std::string name;
    std::string text;  // the persona paragraph(s), with the name filled in
};

// The built-in warm default, for a given name.
std::string default_persona_text(const std::string& name);

// Throws std::runtime_error naming COMPANION_PERSONA_FILE when the file cannot be read or is
// empty, or is over 20000 bytes. "{name}" in the text becomes the companion's name.
Persona load_persona(const config::Settings& settings);

}  // namespace companion::chat
