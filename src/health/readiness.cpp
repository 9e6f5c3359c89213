#include "health/readiness.hpp"

namespace companion::health {

std::string_view to_string(Readiness::State state) {
    switch (state) {
        case Readiness::State::starting: return "starting";
        case Readiness::State::ready: return "ready";
        case Readiness::State::draining: return "draining";
    }
    return "starting";
}

}  // namespace companion::health
