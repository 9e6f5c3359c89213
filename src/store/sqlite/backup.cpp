// The online copy: sqlite3_backup_step in small steps, so the service's writers only ever wait
// for one step, into a temporary file that becomes the output once it has been checked.
#include "store/sqlite/backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <sqlite3.h>

#include "store/sqlite/backup_handle.hpp"

namespace companion::store::sqlite {

namespace fs = std::filesystem;

namespace {

// Restarts tolerated before the rest is copied in one step (see BackupReport::restarts).
constexpr int kMaxRestarts = 3;
// A step that finds the source locked (rare in WAL mode: only during recovery) is retried.
constexpr int kMaxBusySteps = 200;
constexpr std::chrono::milliseconds kBusyPause{25};
constexpr int kSourceBusyTimeoutMs = 5000;

// Removes the temporary copy (and its journal) unless the backup got as far as renaming it.
class TemporaryFile {
public:
    explicit TemporaryFile(fs::path path) : path_(std::move(path)) {}
    ~TemporaryFile() {
        if (!keep_) remove();
    }
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    const fs::path& path() const { return path_; }
    void keep() { keep_ = true; }

private:
    void remove() const {
        std::error_code ignored;
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
            fs::remove(fs::path(path_.string() + suffix), ignored);
        }
    }

    fs::path path_;
    bool keep_ = false;
};

class BackupStepper {
public:
    BackupStepper(BackupHandle& destination, BackupHandle& source)
        : destination_(destination),
          backup_(sqlite3_backup_init(destination.get(), "main", source.get(), "main")) {
        if (backup_ == nullptr) {
            destination.fail(sqlite3_errcode(destination.get()), "sqlite3_backup_init");
        }
    }
    ~BackupStepper() {
        if (backup_ != nullptr) sqlite3_backup_finish(backup_);
    }
    BackupStepper(const BackupStepper&) = delete;
    BackupStepper& operator=(const BackupStepper&) = delete;

    // One step; true when the copy is complete. Retries while the source is locked.
    bool step(int pages) {
        for (int attempt = 0;; ++attempt) {
            const int result = sqlite3_backup_step(backup_, pages);
            if (result == SQLITE_DONE) return true;
            if (result == SQLITE_OK) return false;
            const bool busy = result == SQLITE_BUSY || result == SQLITE_LOCKED;
            if (!busy || attempt >= kMaxBusySteps) fail(result);
            std::this_thread::sleep_for(kBusyPause);
        }
    }
    int remaining() const { return sqlite3_backup_remaining(backup_); }
    int pages() const { return sqlite3_backup_pagecount(backup_); }

    void finish() {
        const int result = sqlite3_backup_finish(std::exchange(backup_, nullptr));
        if (result != SQLITE_OK) destination_.fail(result, "sqlite3_backup_finish");
    }

private:
    [[noreturn]] void fail(int result) {
        sqlite3_backup_finish(std::exchange(backup_, nullptr));
        throw SqliteFailure(result, fmt::format("copying into {} failed: {}", destination_.label(),
                                                sqlite3_errstr(result)));
    }

    BackupHandle& destination_;
    sqlite3_backup* backup_;
};

void check_output(const fs::path& database, const fs::path& output, bool replace_existing) {
    std::error_code error;
    if (fs::exists(output, error)) {
        if (fs::equivalent(database, output, error)) {
            throw BackupError(fmt::format("the output {} is the database itself", output.string()));
        }
        if (fs::is_directory(output, error)) {
            throw BackupError(fmt::format("the output {} is a directory", output.string()));
        }
        if (!replace_existing) {
            throw BackupError(
                fmt::format("{} already exists; pass --force to replace it", output.string()));
        }
    }
    for (const char* suffix : {"-wal", "-journal"}) {
        const fs::path sidecar(output.string() + suffix);
        if (fs::exists(sidecar, error)) {
            throw BackupError(fmt::format(
                "{} exists: {} looks like a database in use; choose another output file",
                sidecar.string(), output.string()));
        }
    }
}

void sync_path(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) {
        throw BackupError(fmt::format("cannot open {} to sync it: {}", path.string(),
                                      std::generic_category().message(errno)));
    }
    const int result = ::fsync(fd);
    const int saved = errno;
    ::close(fd);
    if (result != 0) {
        throw BackupError(fmt::format("cannot sync {}: {}", path.string(),
                                      std::generic_category().message(saved)));
    }
}

// Copies every page; returns how often a concurrent write restarted the copy.
int copy_pages(BackupStepper& stepper, const BackupOptions& options) {
    int restarts = 0;
    int previous_remaining = -1;
    while (restarts < kMaxRestarts) {
        if (stepper.step(options.pages_per_step)) return restarts;
        const int remaining = stepper.remaining();
        // The copy only ever shrinks what remains, unless it started over (or the file grew).
        if (previous_remaining >= 0 && remaining >= previous_remaining) ++restarts;
        previous_remaining = remaining;
        std::this_thread::sleep_for(options.pause_between_steps);
    }
    while (!stepper.step(-1)) {
    }
    return restarts;
}

}  // namespace

BackupReport backup_database(const std::string& database_path, const std::string& output_path,
                             const BackupOptions& options) {
    const fs::path database(database_path);
    const fs::path output = fs::absolute(output_path);
    std::error_code error;
    if (!fs::is_regular_file(database, error)) {
        throw BackupError(
            fmt::format("there is no database at {} (is DATA_DIR right?)", database.string()));
    }
    check_output(database, output, options.replace_existing);
    fs::create_directories(output.parent_path(), error);
    if (error) {
        throw BackupError(fmt::format("cannot create the directory {}: {}",
                                      output.parent_path().string(), error.message()));
    }

    // Read-write without CREATE: never makes a database where there was none, and lets SQLite
    // use (or create) the -shm file that reading a WAL database needs.
    BackupHandle source(database.string(), SQLITE_OPEN_READWRITE,
                        fmt::format("the database {}", database.string()));
    source.set_busy_timeout(kSourceBusyTimeoutMs);
    companion_schema_version(source);

    TemporaryFile temporary(fs::path(fmt::format("{}.partial-{}", output.string(), ::getpid())));
    BackupReport report;
    {
        BackupHandle copy(temporary.path().string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                          fmt::format("the backup {}", temporary.path().string()));
        {
            BackupStepper stepper(copy, source);
            report.restarts = copy_pages(stepper, options);
            report.pages = stepper.pages();
            stepper.finish();
        }
        // The copy inherits WAL mode from the source: make it one self-contained file.
        const auto mode = copy.column("PRAGMA journal_mode=DELETE");
        if (mode.empty() || mode.front() != "delete") {
            throw BackupError(fmt::format("{}: cannot leave WAL mode", copy.label()));
        }
        check_integrity(copy);
        report.tables = count_rows(copy);
    }
    sync_path(temporary.path(), O_RDONLY);
    fs::rename(temporary.path(), output, error);
    if (error) {
        throw BackupError(fmt::format("cannot rename {} to {}: {}", temporary.path().string(),
                                      output.string(), error.message()));
    }
    temporary.keep();
    sync_path(output.parent_path(), O_RDONLY | O_DIRECTORY);
    return report;
}

}  // namespace companion::store::sqlite
