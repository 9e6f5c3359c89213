// The security checks that ENVIRONMENT=production turns into hard failures.
#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"

namespace companion::config {

struct CheckResult {
    enum class Verdict { pass, warn, fail };
    std::string name;     // e.g. "jwt_secret_not_default"
    Verdict verdict;
    std::string message;  // e.g. "JWT_SECRET_KEY is using default value!"
};

// All checks, whatever the environment: fail verdicts are what production refuses to start on;
// outside production the caller shows them as warnings.
std::vector<CheckResult> run_production_checks(const Settings& settings);

// True when no check failed.
bool passes(const std::vector<CheckResult>& results);

}  // namespace companion::config
