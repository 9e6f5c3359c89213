// The command line: serve, check-config, version.
#pragma once

namespace companion::cli {

// Parses the command line, runs the chosen command and returns the process exit code.
int run(int argc, char** argv);

}  // namespace companion::cli
