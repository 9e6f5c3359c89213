// The composition root: builds the service from its settings and runs it until shutdown.
#pragma once

#include "config/settings.hpp"

namespace companion::app {

// Runs the service; returns the process exit code (0 after a graceful shutdown). Refuses to start
// (non-zero, reasons on stderr) in production when a production check fails.
int serve(const config::Settings& settings);

}  // namespace companion::app
