// Real external tools the black-box tests check the service with.
#pragma once

#include <string>

namespace companion::testing {

struct ToolResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

// Runs a shell command line, feeding `input` on its standard input.
ToolResult run_tool(const std::string& command_line, const std::string& input = {});

// `promtool check metrics` (Debian package prometheus) over an exposition.
ToolResult promtool_check_metrics(const std::string& exposition);

}  // namespace companion::testing
