#include "herd/backoff.hpp"

#include <gtest/gtest.h>

namespace herd::peer {
namespace {

using std::chrono::milliseconds;

TEST(backoff, doubles_up_to_the_cap_with_bounded_jitter) {
    backoff delay(milliseconds(100), milliseconds(2000), 42);
    const long steps[] = {100, 200, 400, 800, 1600, 2000, 2000, 2000};
    for (const long step : steps) {
        const auto wait = delay.next().count();
        EXPECT_GE(wait, step - step / 4) << step;
        EXPECT_LE(wait, step + step / 4) << step;
    }
}

TEST(backoff, reset_starts_over) {
    backoff delay(milliseconds(100), milliseconds(2000), 7);
    for (int i = 0; i < 6; ++i) {
        delay.next();
    }
    delay.reset();
    EXPECT_LE(delay.next().count(), 125);
}

TEST(backoff, jitter_differs_between_seeds) {
    backoff a(milliseconds(1000), milliseconds(1000), 1);
    backoff b(milliseconds(1000), milliseconds(1000), 2);
    bool differs = false;
    for (int i = 0; i < 8; ++i) {
        differs = differs || a.next() != b.next();
    }
    EXPECT_TRUE(differs);
}

} // namespace
} // namespace herd::peer
