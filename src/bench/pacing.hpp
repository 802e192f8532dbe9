#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>

// The arithmetic of a paced load (`herd bench load --rate`), apart from its I/O.
namespace herd::bench::pacing {

using steady = std::chrono::steady_clock;

// Paced commands go out on a shared grid: `due` rounded up to a multiple of `tick` after
// `start`. Connections due in the same tick wake on one timer expiry; a wake-up per command
// made the generator itself the machine's biggest consumer at 27,000 paced IAMATs/s (44%).
constexpr auto tick = std::chrono::microseconds(200);
inline steady::time_point on_grid(steady::time_point start, steady::time_point due) {
    const auto ticks = (due - start + tick - steady::duration(1)) / tick;
    return start + ticks * tick;
}

// A connection's commands due every `interval` from `next_due` on, never sent: those due
// before `waited_until` (the end of the run, or the connection's last reply if that came
// sooner), when the reply before them was still owed, at most `count_left`. One due after the
// last reply found the connection free and went unsent only because its wake-up came after
// the end: not counted.
inline std::size_t commands_behind(steady::time_point next_due, steady::time_point waited_until,
                                   steady::duration interval, std::size_t count_left) {
    if (next_due >= waited_until) {
        return 0;
    }
    const auto due = static_cast<std::size_t>((waited_until - next_due - steady::duration(1)) / interval) + 1;
    return std::min(due, count_left);
}

} // namespace herd::bench::pacing
