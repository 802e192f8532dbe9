#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "herd/config.hpp"

namespace herd::bench {

struct propagation_options {
    std::string from;  // the member that receives each IAMAT
    std::string to;    // the member where it must become visible
    std::size_t count = 1000;
    std::chrono::milliseconds gap{2};        // pause between updates (light load)
    // An update not visible by then is lost; a member that takes longer over one read or
    // write ends the run (exit 1).
    std::chrono::milliseconds timeout{5000};
};

// Sends `count` IAMATs (fresh client IDs) to `from`, one at a time, and after each polls
// `to` with `WHATSAT <id> 0 0` (no places look-up) until it knows the client, then asks once
// more to time one such round trip. Prints a progress line to stderr and one JSON line to
// stdout: the percentiles of the time from sending each IAMAT until `to` showed it (an upper
// bound: it ends with a round trip to `to`), and of the round trip alone (`observer_p50_us`...).
// Returns 0, or 1 when a member could not be reached, stopped answering or an update was lost; throws
// config_error when a member is not in the config.
int measure_propagation(const config::herd_config& config, const propagation_options& options);

} // namespace herd::bench
