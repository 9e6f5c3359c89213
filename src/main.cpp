#include <malloc.h>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
    // A fixed mmap threshold: glibc would otherwise raise it after argon2's first 19 MiB block
    // and keep such blocks in each worker's heap for good (40 MB more RSS after a few logins).
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    return companion::cli::run(argc, argv);
}
