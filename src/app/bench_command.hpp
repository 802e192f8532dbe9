#pragma once

// `herd bench`: the load generator, the propagation probe and the machine's wake-up probe, as
// CLI11 subcommands.
#include <string>

#include <CLI/CLI.hpp>

#include "bench/load.hpp"
#include "bench/propagation.hpp"
#include "bench/wakeup.hpp"

namespace herd::app {

class bench_command {
public:
    // Adds `bench propagation`, `bench wakeup` and `bench load` to `app`; `config_path` is the shared --config.
    bench_command(CLI::App& app, std::string& config_path);

    // Runs the parsed subcommand (when `bench` was the command given); returns the exit code.
    int run() const;

private:
    CLI::App* propagation_command_;
    CLI::App* wakeup_command_;
    std::string& config_path_;
    bench::propagation_options propagation_;
    bench::wakeup_options wakeup_;
    long long wakeup_idle_us_ = 1000;
    bench::load_options load_;
    std::string to_;      // load: a member of the config
    std::string address_; // load: or HOST:PORT (an echo server, Redis)
    int seconds_ = 10;
};

} // namespace herd::app
