#include "cli/cli.hpp"

int main(int argc, char** argv) { return companion::cli::run(argc, argv); }
