// herd: an application server herd. `herd --help` lists the commands.
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include "app/commands.hpp"
#include "app/bench_command.hpp"
#include "herd/config.hpp"

namespace {

// The running executable, so `herd up` starts members from the same build.
std::string self_path(const char* argv0) {
    char buffer[4096];
    const ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string(argv0);
}

} // namespace

int main(int argc, char** argv) {
    // A write to a closed pipe or socket (stderr piped into a reader that quit, say) fails
    // with EPIPE rather than killing the process: a member must not die, nor `up` leave its
    // members running, because whoever read their output has gone.
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{"herd: an application server herd for client locations"};
    app.require_subcommand(1);
    std::string config_path = "config/herd.toml";
    std::string name;
    std::optional<std::string> line;

    auto* serve = app.add_subcommand("serve", "Run one member of the herd in the foreground");
    serve->add_option("NAME", name, "The member to run, as named in the config")->required();
    serve->add_option("--config,-c", config_path, "The herd's config file")->capture_default_str();

    auto* send = app.add_subcommand("send", "Send a line (or stdin's lines) to a member and print its replies");
    send->add_option("NAME", name, "The member to talk to")->required();
    send->add_option("LINE", line, "One line to send; without it, lines are read from stdin");
    send->add_option("--config,-c", config_path, "The herd's config file")->capture_default_str();
    std::optional<int> send_timeout_ms;
    send->add_option("--timeout-ms", send_timeout_ms,
                     "Give up when connecting, or a reply owed, takes longer than this (default: 10000, or with a "
                     "Google backend places.timeout_ms + 1000 if longer)")
        ->check(CLI::Range(1, 86'400'000));

    auto* up = app.add_subcommand("up", "Run every member of the herd, each as its own process");
    up->add_option("--config,-c", config_path, "The herd's config file")->capture_default_str();

    herd::app::bench_command bench(app, config_path); // CLI11 fills it in as it parses

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() == 0) {
            return app.exit(error) == 0 ? herd::app::exit_ok : herd::app::exit_bad_config; // --help
        }
        // One line, like every other error of the command line or the config.
        std::fprintf(stderr, "herd: %s (herd --help lists the commands and options)\n", error.what());
        return herd::app::exit_bad_config;
    }
    if (serve->parsed()) {
        return herd::app::serve(name, config_path);
    }
    if (send->parsed()) {
        std::optional<std::chrono::milliseconds> timeout;
        if (send_timeout_ms) {
            timeout = std::chrono::milliseconds(*send_timeout_ms);
        }
        return herd::app::send(name, config_path, line, timeout);
    }
    if (up->parsed()) {
        return herd::app::up(config_path, self_path(argv[0]));
    }
    return bench.run();
}
