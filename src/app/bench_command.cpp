#include "app/bench_command.hpp"

#include <charconv>
#include <cstdio>
#include <map>
#include <string_view>

#include "app/commands.hpp"
#include "herd/config.hpp"

namespace herd::app {

bench_command::bench_command(CLI::App& app, std::string& config_path) : config_path_(config_path) {
    auto* bench =
        app.add_subcommand("bench", "Measure a running herd (or an echo server, or Redis), or this machine's wake-ups");
    bench->require_subcommand(1);

    propagation_command_ = bench->add_subcommand(
        "propagation", "Time how long an IAMAT sent to one member takes to become visible at another");
    auto* p = propagation_command_;
    p->add_option("--from", propagation_.from, "The member that receives the IAMATs")->required();
    p->add_option("--to", propagation_.to, "The member that must learn of them")->required();
    p->add_option("--count", propagation_.count, "How many updates")
        ->capture_default_str()
        ->check(CLI::Range(1, 10'000'000));
    p->add_option("--config,-c", config_path, "The herd's config file")->capture_default_str();

    wakeup_command_ = bench->add_subcommand(
        "wakeup", "Time how long this machine takes to wake a thread on another CPU, back to back and after it idled");
    auto* w = wakeup_command_;
    w->add_option("--rounds", wakeup_.rounds, "Wake-ups of each kind")
        ->capture_default_str()
        ->check(CLI::Range(1, 100'000));
    w->add_option("--idle-us", wakeup_idle_us_, "How long the other CPU is left idle before each of the second kind")
        ->capture_default_str()
        ->check(CLI::Range(1, 100'000));

    auto* l = bench->add_subcommand(
        "load", "Send IAMAT, WHATSAT or Redis GEOADD commands over N connections, K in flight on each");
    auto* to = l->add_option("--to", to_, "The member to load, as named in the config");
    l->add_option("--address", address_, "Or HOST:PORT of any server speaking the mode's protocol")->excludes(to);
    const std::map<std::string, bench::load_mode> modes{{"iamat", bench::load_mode::iamat},
                                                        {"whatsat", bench::load_mode::whatsat},
                                                        {"geoadd", bench::load_mode::geoadd},
                                                        {"idle", bench::load_mode::idle}};
    l->add_option("--mode", load_.mode,
                  "iamat, whatsat, geoadd (RESP, for Redis), or idle (connect, hold, send nothing)")
        ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case))
        ->default_str("iamat");
    l->add_option("--connections,-n", load_.connections, "Connections")
        ->capture_default_str()
        ->check(CLI::Range(1, 60'000));
    l->add_option("--depth,-k", load_.depth, "Commands in flight per connection")
        ->capture_default_str()
        ->check(CLI::Range(1, 100'000));
    l->add_option("--ids,-m", load_.ids, "Distinct client IDs, used round robin")
        ->capture_default_str()
        ->check(CLI::Range(1, 100'000'000));
    l->add_option("--prefix", load_.id_prefix, "Client IDs are PREFIX<n>")->capture_default_str();
    l->add_option("--count", load_.count, "Stop after this many commands")
        ->capture_default_str()
        ->check(CLI::Range(1, 1'000'000'000));
    l->add_option("--seconds", seconds_, "Or after this many seconds")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    l->add_option("--rate", load_.rate,
                  "Commands per second in all, released on a 200 us grid, latency counted from each release (0: as fast as "
                  "replies come)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1e9)); // a thousand times what one thread sends: beyond, a typo
    l->add_option("--radius", load_.radius_km, "WHATSAT radius in km")->capture_default_str()->check(CLI::Range(0, 50));
    l->add_option("--bound", load_.bound, "WHATSAT result bound")->capture_default_str()->check(CLI::Range(0, 20));
    l->add_option("--label", load_.label, "A label copied into the result line")
        ->check(CLI::Validator(
            [](const std::string& label) {
                for (const char c : label) {
                    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
                        return std::string("no quotes, backslashes or control characters");
                    }
                }
                return std::string();
            },
            "TEXT"));
    l->add_option("--config,-c", config_path, "The herd's config file")->capture_default_str();
}

int bench_command::run() const {
    try {
        if (propagation_command_->parsed()) {
            return bench::measure_propagation(config::load_config(config_path_), propagation_);
        }
        if (wakeup_command_->parsed()) {
            bench::wakeup_options options = wakeup_;
            options.idle = std::chrono::microseconds(wakeup_idle_us_);
            return bench::measure_wakeup(options) == 0 ? exit_ok : exit_failure;
        }
        bench::load_options options = load_;
        options.duration = std::chrono::seconds(seconds_);
        if (!to_.empty()) {
            const config::herd_config herd = config::load_config(config_path_);
            const config::server_config& server = herd.server(to_);
            options.host = server.host;
            options.port = server.port;
        } else {
            const auto colon = address_.rfind(':');
            if (colon == std::string::npos || colon == 0) {
                std::fprintf(stderr, "herd: bench load: give --to MEMBER or --address HOST:PORT\n");
                return exit_bad_config;
            }
            options.host = address_.substr(0, colon);
            const std::string_view port_text = std::string_view(address_).substr(colon + 1);
            int port = 0;
            const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
            if (error != std::errc{} || end != port_text.data() + port_text.size() || port <= 0 || port > 65535) {
                std::fprintf(stderr, "herd: bench load: bad port in --address %s\n", address_.c_str());
                return exit_bad_config;
            }
            options.port = static_cast<std::uint16_t>(port);
        }
        raise_file_limit(); // --connections may ask for thousands
        return bench::run_load(options) == 0 ? exit_ok : exit_failure;
    } catch (const config::config_error& error) {
        std::fprintf(stderr, "herd: %s\n", error.what());
        return exit_bad_config;
    }
}

} // namespace herd::app
