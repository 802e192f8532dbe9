#pragma once

#include <chrono>
#include <cstddef>

namespace herd::bench {

struct wakeup_options {
    std::size_t rounds = 1000;
    std::chrono::microseconds idle{1000}; // how long the sleeper's CPU is left without work first
};

// What the machine charges for waking a thread that another CPU must run: the cost every
// hand-off between the herd's processes (and between a client and a server) pays, measured
// apart from any server. A waker pinned to one CPU this process may use and a sleeper pinned
// to another play ping-pong over eventfds: `rounds` wake-ups back to back, then `rounds` each
// after `idle` with nothing to run (so a CPU that halts when idle, as a virtual one does here,
// must be woken too). Each sample is from the waker's write to the sleeper running again.
// Prints one JSON line to stdout: the percentiles after idle (`p50_us`...) and back to back
// (`back_to_back_p50_us`...). Returns 0, or 1 (saying why on stderr) with fewer than two
// CPUs to run on or when an eventfd cannot be made.
int measure_wakeup(const wakeup_options& options);

} // namespace herd::bench
