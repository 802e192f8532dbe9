#pragma once

#include <chrono>
#include <cstddef>

namespace herd::bench {

struct wakeup_options {
    std::size_t rounds = 1000;
    std::chrono::microseconds idle{1000}; // how long the sleeper's CPU is left without work first
};

// What the machine charges for waking a thread that another CPU must run, measured apart from
// any server: a hand-off between the herd's processes on different CPUs can pay it. A waker
// pinned to one CPU this process may use and a sleeper pinned to the next play ping-pong over
// eventfds: `rounds` wake-ups back to back, then `rounds` each after `idle` with nothing to
// run (so a CPU that halts when idle, as a virtual one does here, must be brought back too).
// Each sample is from the waker's write to the sleeper running again. Prints a progress line
// to stderr every tenth of the way and one JSON line to stdout: the two CPUs (`cpus`), the
// percentiles after idle (`p50_us`...) and back to back (`back_to_back_p50_us`...). Returns 0,
// or 1 (saying why on stderr) with fewer than two CPUs to run on or when the sleeper's thread
// cannot start; ends the process with status 1, saying why, when an eventfd or a pin to a CPU
// fails.
int measure_wakeup(const wakeup_options& options);

} // namespace herd::bench
