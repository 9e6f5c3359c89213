// Stops and starts a test service of scripts/services.sh for fault-injection tests; whatever
// happens in the test, a stopped service is started again at the end.
#pragma once

#include <string>

namespace companion::testing {

class ServiceControl {
public:
    // `ctl_variable` names the environment variable holding the control command, e.g.
    // COMPANION_TEST_PG_CTL or COMPANION_TEST_REDIS_CTL (the command takes stop|start).
    explicit ServiceControl(const std::string& ctl_variable);
    ~ServiceControl();
    ServiceControl(const ServiceControl&) = delete;
    ServiceControl& operator=(const ServiceControl&) = delete;

    void stop();
    void start();

private:
    void run(const std::string& verb);

    std::string ctl_;
    bool stopped_ = false;
};

}  // namespace companion::testing
