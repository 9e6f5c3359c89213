#include "support/tools.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace companion::testing {

ToolResult run_tool(const std::string& command_line, const std::string& input) {
    namespace fs = std::filesystem;
    const auto input_path =
        fs::temp_directory_path() / ("companion-tool-" + std::to_string(std::random_device{}()));
    std::ofstream(input_path) << input;
    const std::string full = command_line + " < '" + input_path.string() + "' 2>&1";
    ToolResult result;
    if (FILE* pipe = ::popen(full.c_str(), "r")) {
        char chunk[4096];
        std::size_t n = 0;
        while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) result.output.append(chunk, n);
        const int status = ::pclose(pipe);
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    fs::remove(input_path);
    return result;
}

ToolResult promtool_check_metrics(const std::string& exposition) {
    return run_tool("promtool check metrics", exposition);
}

}  // namespace companion::testing
