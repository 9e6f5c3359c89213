// Process-level set-up.
#pragma once

namespace companion::util {

// Raises the soft limit of open files to the hard limit (10,000 keep-alive connections need more
// than the usual 1024). Returns the new soft limit.
long raise_open_file_limit();

}  // namespace companion::util
