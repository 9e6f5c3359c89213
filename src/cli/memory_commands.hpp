// `companion memory status` and `companion memory reembed`: how many memories each embedding
// model has, and the conversion of every memory to the configured embedder (docs/memory.md).
#pragma once

#include "config/settings.hpp"

namespace companion::cli {

struct ReembedCommand {
    int batch_size = 64;
};

// Prints the memories per model; exit code 0 when all are on the configured embedder's model,
// 3 when some need `companion memory reembed`, 1 on a database error.
int run_memory_status(const config::Settings& settings);

// Re-embeds, with a progress bar on stderr (a line per tenth when stderr is not a terminal);
// 0 when done, 1 on an error (what was done stays done: run it again to continue).
int run_memory_reembed(const config::Settings& settings, const ReembedCommand& command);

}  // namespace companion::cli
