#include "cli/cli.hpp"

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app/app.hpp"
#include "app/migrate.hpp"
#include "cli/backup_commands.hpp"
#include "cli/memory_commands.hpp"
#include "config/production_checks.hpp"
#include "config/settings.hpp"

namespace companion::cli {
namespace {

struct CommonOptions {
    std::string env_file;
};

config::Settings load(const CommonOptions& options) {
    config::EnvMap file_values;
    if (!options.env_file.empty()) file_values = config::read_env_file(options.env_file);
    return config::load_settings(file_values, config::read_process_environment());
}

int serve_command(const CommonOptions& options, const std::optional<std::string>& host,
                  const std::optional<int>& port) {
    auto settings = load(options);
    if (host) settings.host = *host;
    if (port) settings.port = static_cast<std::uint16_t>(*port);
    for (const auto& key : settings.unknown_env_file_keys) {
        std::fprintf(stderr, "warning: %s in %s is not a setting of companion (ignored)\n",
                     key.c_str(), options.env_file.c_str());
    }
    return app::serve(settings);
}

std::string_view verdict_label(config::CheckResult::Verdict verdict, bool production) {
    switch (verdict) {
        case config::CheckResult::Verdict::pass: return "PASS";
        case config::CheckResult::Verdict::warn: return "WARN";
        case config::CheckResult::Verdict::fail: return production ? "FAIL" : "WARN";
    }
    return "FAIL";
}

int check_config_command(const CommonOptions& options) {
    const auto settings = load(options);
    std::cout << "Settings (secrets masked):\n";
    for (const auto& [name, value] : config::describe(settings)) {
        std::cout << fmt::format("  {:<32} {}\n", name, value);
    }
    for (const auto& key : settings.unknown_env_file_keys) {
        std::cout << fmt::format("  warning: {} in {} is not a setting of companion (ignored)\n",
                                 key, options.env_file);
    }
    const bool production = settings.environment == config::Environment::production;
    std::cout << fmt::format("\nProduction checks (ENVIRONMENT={}{}):\n",
                             config::to_string(settings.environment),
                             production ? "" : "; failures only block a production start");
    const auto results = config::run_production_checks(settings);
    for (const auto& result : results) {
        std::cout << fmt::format("  [{}] {}\n", verdict_label(result.verdict, production),
                                 result.message);
    }
    const bool refused = production && !config::passes(results);
    std::cout << (refused ? "\nThe service would refuse to start.\n"
                          : "\nThe service would start.\n");
    return refused ? 1 : 0;
}

}  // namespace

int run(int argc, char** argv) {
    CLI::App app{"companion: a self-hosted AI companion service with memory", "companion"};
    app.require_subcommand(1);
    CommonOptions options;
    std::optional<std::string> host;
    std::optional<int> port;

    auto* serve = app.add_subcommand("serve", "Run the HTTP service");
    serve->add_option("--env-file", options.env_file, "Read settings from this KEY=VALUE file")
        ->check(CLI::ExistingFile);
    serve->add_option("--host", host, "Address to listen on (overrides HOST)");
    serve->add_option("--port", port, "Port to listen on (overrides PORT)")
        ->check(CLI::Range(0, 65535));

    auto* check = app.add_subcommand(
        "check-config", "Print every setting (secrets masked) and the production checks; exit 1 "
                        "when ENVIRONMENT=production and a check fails");
    check->add_option("--env-file", options.env_file, "Read settings from this KEY=VALUE file")
        ->check(CLI::ExistingFile);

    auto* migrate = app.add_subcommand("migrate", "Database schema migrations");
    migrate->require_subcommand(1);
    auto* migrate_up = migrate->add_subcommand(
        "up", "Apply every pending migration (each in a transaction; safe to run concurrently)");
    auto* migrate_status = migrate->add_subcommand(
        "status", "Show the schema version and pending migrations (exit 3 when some are pending)");
    for (auto* command : {migrate_up, migrate_status}) {
        command->add_option("--env-file", options.env_file, "Read settings from this KEY=VALUE file")
            ->check(CLI::ExistingFile);
    }

    BackupCommand backup_options;
    auto* backup = app.add_subcommand(
        "backup", "Copy the embedded SQLite store to a file while the service may be running "
                  "(PostgreSQL: scripts/backup.sh)");
    backup->add_option("--output", backup_options.output, "The backup file to write")
        ->required();
    backup->add_flag("--force", backup_options.force, "Replace the output file if it exists");
    backup
        ->add_option("--step-pages", backup_options.pages_per_step,
                     "Pages copied per step (default 1024); unlocked between steps")
        ->check(CLI::Range(1, 1 << 20));

    RestoreCommand restore_options;
    auto* restore = app.add_subcommand(
        "restore", "Replace the embedded SQLite store with a backup (the service must be "
                   "stopped; PostgreSQL: scripts/restore.sh)");
    restore->add_option("--input", restore_options.input, "The backup file to restore")
        ->required();
    restore->add_flag("--yes", restore_options.yes,
                      "Do not ask for confirmation (typing the database file name)");
    for (auto* command : {backup, restore}) {
        command
            ->add_option("--env-file", options.env_file, "Read settings from this KEY=VALUE file")
            ->check(CLI::ExistingFile);
    }

    ReembedCommand reembed_options;
    auto* memory = app.add_subcommand("memory", "Long-term memories and their embedding model");
    memory->require_subcommand(1);
    auto* memory_status = memory->add_subcommand(
        "status", "Show how many memories each embedding model has (exit 3 when some must be "
                  "re-embedded)");
    auto* memory_reembed = memory->add_subcommand(
        "reembed", "Re-embed every memory not embedded by the configured model, in batches with "
                   "a progress bar; resumable");
    memory_reembed
        ->add_option("--batch-size", reembed_options.batch_size,
                     "Memories per embedding call and transaction (default 64)")
        ->check(CLI::Range(1, 1000));
    for (auto* command : {memory_status, memory_reembed}) {
        command
            ->add_option("--env-file", options.env_file, "Read settings from this KEY=VALUE file")
            ->check(CLI::ExistingFile);
    }

    app.add_subcommand("version", "Print the version");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error);
    }

    try {
        if (serve->parsed()) return serve_command(options, host, port);
        if (check->parsed()) return check_config_command(options);
        if (migrate_up->parsed()) return app::migrate_up(load(options));
        if (migrate_status->parsed()) return app::migrate_status(load(options));
        if (backup->parsed()) return run_backup(load(options), backup_options);
        if (restore->parsed()) return run_restore(load(options), restore_options);
        if (memory_status->parsed()) return run_memory_status(load(options));
        if (memory_reembed->parsed()) return run_memory_reembed(load(options), reembed_options);
        std::cout << "companion " << COMPANION_VERSION << "\n";
        return 0;
    } catch (const config::ConfigError& error) {
        std::fprintf(stderr, "configuration error: %s\n", error.what());
        return 1;
    }
}

}  // namespace companion::cli
