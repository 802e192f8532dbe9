#include "server/waiting_output.hpp"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace herd::server {
namespace {

// Holds for sessions and records which were dropped, with what they held.
class waiting_output_test : public ::testing::Test {
protected:
    void hold(std::uint64_t id, std::size_t bytes) {
        waiting_.hold(id, bytes, [this, id](std::size_t held) { dropped_.emplace_back(id, held); });
    }

    waiting_output waiting_{1000};
    std::vector<std::pair<std::uint64_t, std::size_t>> dropped_;
};

TEST_F(waiting_output_test, holdings_within_the_bound_are_kept_and_counted) {
    hold(1, 400);
    hold(2, 600);
    EXPECT_EQ(waiting_.held_bytes(), 1000u);
    EXPECT_TRUE(dropped_.empty());
    waiting_.release(1);
    EXPECT_EQ(waiting_.held_bytes(), 600u);
    hold(3, 400); // the room given back is there to take
    EXPECT_TRUE(dropped_.empty());
}

TEST_F(waiting_output_test, past_the_bound_the_largest_are_dropped_until_the_rest_fit) {
    hold(1, 100);
    hold(2, 500);
    hold(3, 300);
    hold(4, 450); // 1,350: dropping 2 (500) leaves 850
    EXPECT_EQ(dropped_, (std::vector<std::pair<std::uint64_t, std::size_t>>{{2, 500}}));
    EXPECT_EQ(waiting_.held_bytes(), 850u);
    hold(5, 700); // 1,550: 5 itself (700) is the largest, and dropping it is enough
    EXPECT_EQ(dropped_.back(), (std::pair<std::uint64_t, std::size_t>{5, 700}));
    EXPECT_EQ(waiting_.held_bytes(), 850u);
    hold(6, 900); // 1,750: 6 (900), then nothing more is needed
    hold(7, 160); // 1,010: 4 (450) goes; the slow client holding 100 stays
    EXPECT_EQ(dropped_, (std::vector<std::pair<std::uint64_t, std::size_t>>{{2, 500}, {5, 700}, {6, 900}, {4, 450}}));
    EXPECT_EQ(waiting_.held_bytes(), 560u);
}

TEST_F(waiting_output_test, of_equal_holdings_the_one_that_has_waited_longest_is_dropped) {
    hold(1, 300);
    hold(2, 300);
    hold(3, 300);
    waiting_.release(1);
    hold(4, 300);
    hold(5, 300); // 1,200: of 2, 3, 4 and 5, 2 has waited longest
    EXPECT_EQ(dropped_, (std::vector<std::pair<std::uint64_t, std::size_t>>{{2, 300}}));
}

TEST_F(waiting_output_test, a_holding_larger_than_the_bound_alone_is_dropped_at_once) {
    hold(1, 10);
    hold(2, 1001);
    EXPECT_EQ(dropped_, (std::vector<std::pair<std::uint64_t, std::size_t>>{{2, 1001}}));
    EXPECT_EQ(waiting_.held_bytes(), 10u);
}

TEST_F(waiting_output_test, a_dropped_holding_is_dropped_once_and_its_release_changes_nothing) {
    hold(1, 800);
    hold(2, 300); // 1 goes
    waiting_.release(1); // its write ends with the closed connection
    EXPECT_EQ(waiting_.held_bytes(), 300u);
    hold(3, 700); // 1,000: fits
    EXPECT_EQ(dropped_.size(), 1u);
    waiting_.release(2);
    waiting_.release(3);
    EXPECT_EQ(waiting_.held_bytes(), 0u);
}

} // namespace
} // namespace herd::server
