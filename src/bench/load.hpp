#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace herd::bench {

// What the load generator sends, and so how it frames the replies.
enum class load_mode {
    iamat,   // `IAMAT id coords time`; one reply line (`?` counts as an error)
    whatsat, // `WHATSAT id radius bound`; an AT line, JSON and a blank line (or one `?` line)
    geoadd,  // RESP `GEOADD herd lng lat id` to Redis; one `:N` line (`-ERR` counts as an error)
    idle,    // nothing: the connections are opened and held for the duration
};

struct load_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    load_mode mode = load_mode::iamat;
    std::size_t connections = 50;
    std::size_t depth = 1;                      // commands in flight per connection
    std::size_t ids = 10'000;                   // distinct client IDs, used round robin
    std::string id_prefix = "bench";            // IDs are <prefix><n>
    std::size_t count = 1'000'000;              // stop after this many commands in all
    std::chrono::milliseconds duration{10'000}; // or after this long
    // Commands per second in all, one in flight per connection at most, released on a 200 us
    // grid (latency counts from the release); 0: `depth` in flight, as fast as replies come.
    double rate = 0;
    int radius_km = 10;                         // WHATSAT
    int bound = 5;                              // WHATSAT
    std::string label;                          // copied into the result line
};

// Opens the connections (one thread, Asio), keeps `depth` commands in flight on each (or
// paces them to `rate`), until `count` commands are answered or `duration` passes (then
// waits 5 s at most for replies still owed, and fails the connections still waiting); SIGINT
// or SIGTERM ends it early the same way. Prints a progress line to stderr each second and one
// JSON line to stdout: commands issued and answered, errors, paced commands that fell due
// before the end but never went out because the reply before them had not come (`behind`),
// throughput, the generator's own CPU time per answered command (`client_cpu_us`, user +
// system; null when none was answered) and latency percentiles. Idle connections are watched:
// one the server closes or writes to fails. Returns 0, or 1 when it could not connect or a
// connection failed.
int run_load(const load_options& options);

} // namespace herd::bench
