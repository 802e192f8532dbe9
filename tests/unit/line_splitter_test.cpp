#include "protocol/line_splitter.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace herd::protocol {
namespace {

using status = line_splitter::status;

// Feeds `input` in pieces of `chunk` bytes and collects every line, as a session would.
struct split_result {
    std::vector<std::string> lines;
    bool too_long = false;
};

split_result split(std::string_view input, std::size_t chunk, std::size_t limit = 8192, bool finish = true) {
    line_splitter splitter(limit);
    split_result result;
    const auto drain = [&](bool at_end) {
        for (;;) {
            std::string_view line;
            auto s = splitter.next(line);
            if (s == status::need_more && at_end) {
                s = splitter.finish(line);
            }
            if (s == status::need_more) {
                return;
            }
            if (s == status::too_long) {
                result.too_long = true;
                result.lines.emplace_back(line);
                return;
            }
            result.lines.emplace_back(line);
        }
    };
    for (std::size_t i = 0; i < input.size() && !result.too_long; i += chunk) {
        splitter.feed(input.substr(i, chunk));
        drain(false);
    }
    if (finish && !result.too_long) {
        drain(true);
    }
    return result;
}

TEST(line_splitter, splits_on_lf_only_and_keeps_cr) {
    for (const std::size_t chunk : {1, 2, 3, 7, 100}) {
        const auto result = split("a b\r\nsecond\n\nlast\r\n", chunk);
        EXPECT_EQ(result.lines, (std::vector<std::string>{"a b\r", "second", "", "last\r"})) << chunk;
    }
}

TEST(line_splitter, final_unterminated_line_is_a_line) {
    for (const std::size_t chunk : {1, 4, 100}) {
        EXPECT_EQ(split("one\ntwo", chunk).lines, (std::vector<std::string>{"one", "two"})) << chunk;
    }
}

TEST(line_splitter, unterminated_line_is_held_until_the_end) {
    EXPECT_EQ(split("one\ntwo", 1, 8192, false).lines, (std::vector<std::string>{"one"}));
}

TEST(line_splitter, finish_on_empty_rest_gives_nothing) {
    line_splitter splitter(16);
    splitter.feed("x\n");
    std::string_view line;
    ASSERT_EQ(splitter.next(line), status::line);
    EXPECT_EQ(splitter.finish(line), status::need_more);
}

TEST(line_splitter, line_at_limit_is_accepted) {
    const std::string line(16, 'x');
    const auto result = split(line + "\n", 1, 16);
    EXPECT_FALSE(result.too_long);
    EXPECT_EQ(result.lines, (std::vector<std::string>{line}));
}

TEST(line_splitter, line_over_limit_is_too_long_whether_or_not_terminated) {
    for (const std::size_t chunk : {1, 5, 100}) {
        const auto terminated = split(std::string(17, 'x') + "\n", chunk, 16);
        EXPECT_TRUE(terminated.too_long) << chunk;
        EXPECT_EQ(terminated.lines.back(), std::string(16, 'x'));
        const auto endless = split(std::string(40, 'y'), chunk, 16, false);
        EXPECT_TRUE(endless.too_long) << chunk;
        EXPECT_EQ(endless.lines.back(), std::string(16, 'y'));
    }
}

TEST(line_splitter, take_rest_hands_over_the_unread_bytes) {
    line_splitter splitter(64);
    splitter.feed("HERD 1 HELLO A B\nAT x\nAT");
    std::string_view line;
    ASSERT_EQ(splitter.next(line), status::line);
    EXPECT_EQ(line, "HERD 1 HELLO A B");
    EXPECT_EQ(splitter.take_rest(), "AT x\nAT");
    EXPECT_EQ(splitter.pending(), 0u);
    EXPECT_EQ(splitter.next(line), status::need_more);
}

TEST(line_splitter, long_stream_of_short_lines_keeps_buffer_small) {
    line_splitter splitter(64);
    std::string_view line;
    for (int i = 0; i < 10'000; ++i) {
        splitter.feed("IAMAT x\n");
        ASSERT_EQ(splitter.next(line), status::line);
        ASSERT_EQ(line, "IAMAT x");
    }
    EXPECT_EQ(splitter.pending(), 0u);
    // The bytes of lines taken are dropped as it goes: 10,000 lines kept would be 80,000 bytes.
    EXPECT_LT(splitter.capacity_bytes(), 1024u);
}

TEST(line_splitter, storage_from_a_burst_is_freed_once_every_line_is_taken) {
    line_splitter splitter(8192);
    std::string burst;
    while (burst.size() < 64 * 1024) {
        burst += "IAMAT kiwi +1+1 1\n";
    }
    splitter.feed(burst + "WHATSAT kiwi 1"); // an unfinished line moves to storage of its own
    std::string_view line;
    while (splitter.next(line) == status::line) {
    }
    splitter.release_excess(4096);
    EXPECT_LE(splitter.capacity_bytes(), 4096u);
    splitter.feed(" 1\n");
    ASSERT_EQ(splitter.next(line), status::line);
    EXPECT_EQ(line, "WHATSAT kiwi 1 1");
    splitter.release_excess(4096);
    EXPECT_LE(splitter.capacity_bytes(), 4096u);
    splitter.feed("IAMAT a +1+1 1\n"); // and it still works afterwards
    ASSERT_EQ(splitter.next(line), status::line);
    EXPECT_EQ(line, "IAMAT a +1+1 1");
    const std::size_t small = splitter.capacity_bytes();
    splitter.release_excess(4096); // small storage is kept for the next read
    EXPECT_EQ(splitter.capacity_bytes(), small);
}

// A client that sends a burst, then now and then ends its unfinished line and begins another,
// never has every byte taken: the burst's storage must still go.
TEST(line_splitter, storage_from_a_burst_is_freed_while_a_line_is_always_unfinished) {
    line_splitter lines(8192);
    std::string burst;
    while (burst.size() < 64 * 1024) {
        burst += "IAMAT kiwi +1+1 1\n";
    }
    lines.feed(burst + "A");
    std::string_view line;
    while (lines.next(line) == status::line) {
    }
    for (int i = 0; i < 3; ++i) {
        lines.feed("\nB");
        ASSERT_EQ(lines.next(line), status::line);
        EXPECT_EQ(line, i == 0 ? "A" : "B");
        ASSERT_EQ(lines.next(line), status::need_more);
        lines.release_excess(4096);
        EXPECT_LE(lines.capacity_bytes(), 4096u) << i;
    }
    lines.feed("C\n");
    ASSERT_EQ(lines.next(line), status::line);
    EXPECT_EQ(line, "BC");
}

// An unfinished line longer than the storage kept keeps its own room, not a burst's.
TEST(line_splitter, an_unfinished_line_longer_than_the_storage_kept_keeps_only_its_own_room) {
    line_splitter splitter(8192);
    std::string burst;
    while (burst.size() < 64 * 1024) {
        burst += "IAMAT kiwi +1+1 1\n";
    }
    splitter.feed(burst + std::string(6000, 'y'));
    std::string_view line;
    while (splitter.next(line) == status::line) {
    }
    splitter.release_excess(4096);
    EXPECT_GE(splitter.capacity_bytes(), 6000u);
    EXPECT_LE(splitter.capacity_bytes(), 12000u);
    const std::size_t own_room = splitter.capacity_bytes();
    splitter.release_excess(4096); // already its own size: nothing moves
    EXPECT_EQ(splitter.capacity_bytes(), own_room);
    splitter.feed("\n");
    ASSERT_EQ(splitter.next(line), status::line);
    EXPECT_EQ(line, std::string(6000, 'y'));
}

} // namespace
} // namespace herd::protocol
