#include "bench/pacing.hpp"

#include <gtest/gtest.h>

namespace herd::bench::pacing {
namespace {

using namespace std::chrono_literals;

const steady::time_point start{};

TEST(pacing, due_times_round_up_to_the_grid) {
    EXPECT_EQ(on_grid(start, start), start);
    EXPECT_EQ(on_grid(start, start + 1ns), start + tick);
    EXPECT_EQ(on_grid(start, start + tick), start + tick);
    EXPECT_EQ(on_grid(start, start + 450us), start + 3 * tick);
}

TEST(pacing, commands_due_while_a_reply_was_owed_are_behind) {
    // Due every 10 ms from 100 ms; the reply came at 135 ms: 100, 110, 120 and 130 were missed.
    EXPECT_EQ(commands_behind(start + 100ms, start + 135ms, 10ms, 1000), 4u);
    EXPECT_EQ(commands_behind(start + 100ms, start + 130ms, 10ms, 1000), 3u); // 130 itself was not yet due
    EXPECT_EQ(commands_behind(start + 100ms, start + 135ms, 10ms, 2), 2u);   // no more than the count left
}

// The end came 0.1 ms after a command fell due, on a free connection whose wake-up (rounded
// to the grid, or late) came after the end: it was not held back by a reply.
TEST(pacing, a_command_due_after_the_last_reply_is_not_behind) {
    EXPECT_EQ(commands_behind(start + 999'900us, start + 990ms, 10ms, 1000), 0u);
    EXPECT_EQ(commands_behind(start + 999'900us, start + 999'900us, 10ms, 1000), 0u);
}

} // namespace
} // namespace herd::bench::pacing
