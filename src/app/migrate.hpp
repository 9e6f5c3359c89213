// `companion migrate up` and `companion migrate status`.
#pragma once

#include "config/settings.hpp"

namespace companion::app {

// Applies every pending migration; prints each step. Returns the exit code.
int migrate_up(const config::Settings& settings);
// Prints the current version and the pending steps (the `alembic current` of this project);
// exit code 0 when up to date, 3 when migrations are pending, 1 on error.
int migrate_status(const config::Settings& settings);

}  // namespace companion::app
