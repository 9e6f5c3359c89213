#include "support/service_control.hpp"

#include <cstdlib>
#include <stdexcept>

namespace companion::testing {

ServiceControl::ServiceControl(const std::string& ctl_variable) {
    const char* ctl = std::getenv(ctl_variable.c_str());
    if (ctl == nullptr || *ctl == '\0') {
        throw std::runtime_error(ctl_variable +
                                 " is not set: run `scripts/services.sh up` and eval "
                                 "\"$(scripts/services.sh env)\"");
    }
    ctl_ = ctl;
}

ServiceControl::~ServiceControl() {
    if (stopped_) std::system((ctl_ + " start >/dev/null 2>&1").c_str());
}

void ServiceControl::stop() {
    stopped_ = true;
    run("stop");
}

void ServiceControl::start() {
    run("start");
    stopped_ = false;
}

void ServiceControl::run(const std::string& verb) {
    if (std::system((ctl_ + " " + verb + " >/dev/null 2>&1").c_str()) != 0) {
        throw std::runtime_error(ctl_ + " " + verb + " failed");
    }
}

}  // namespace companion::testing
