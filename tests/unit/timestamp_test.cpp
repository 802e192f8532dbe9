#include "geo/timestamp.hpp"

#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace herd::geo {
namespace {

std::string signed_seconds(nanoseconds ns) {
    std::string out;
    append_signed_seconds(out, ns);
    return out;
}

TEST(timestamp, parses_exact_nanoseconds) {
    EXPECT_EQ(parse_posix_time("1621464827.959498503"), 1621464827959498503);
    EXPECT_EQ(parse_posix_time("1621464827"), 1621464827000000000);
    EXPECT_EQ(parse_posix_time("0.5"), 500000000);
    EXPECT_EQ(parse_posix_time("0"), 0);
    EXPECT_EQ(parse_posix_time("00000000000000000000001.000000001"), 1000000001);
}

TEST(timestamp, truncates_beyond_nine_fraction_digits) {
    EXPECT_EQ(parse_posix_time("1.9999999999999"), 1999999999);
}

TEST(timestamp, rejects_other_forms) {
    for (const char* text : {"", ".", "1.", ".1", "-1", "+1", "1e3", "1.2.3", " 1", "1 ", "0x10", "١"}) {
        EXPECT_FALSE(parse_posix_time(text)) << text;
    }
}

TEST(timestamp, rejects_times_that_do_not_fit_in_nanoseconds) {
    EXPECT_TRUE(parse_posix_time("9223372035.999999999"));
    EXPECT_FALSE(parse_posix_time("9223372037"));
    EXPECT_FALSE(parse_posix_time("99999999999999999999999999"));
}

TEST(timestamp, formats_signed_seconds_with_nine_digits) {
    EXPECT_EQ(signed_seconds(263873386), "+0.263873386");
    EXPECT_EQ(signed_seconds(0), "+0.000000000");
    EXPECT_EQ(signed_seconds(-1'500'000'000), "-1.500000000");
    EXPECT_EQ(signed_seconds(12'000'000'000), "+12.000000000");
    EXPECT_EQ(signed_seconds(-1), "-0.000000001");
    EXPECT_EQ(signed_seconds(std::numeric_limits<std::int64_t>::min()), "-9223372036.854775808");
}

TEST(timestamp, clock_is_in_nanoseconds_since_the_epoch) {
    const nanoseconds now = now_ns();
    EXPECT_GT(now, 1'700'000'000'000'000'000); // after 2023
    EXPECT_LT(now, 4'000'000'000'000'000'000);
}

TEST(timestamp, posix_time_is_written_as_parse_posix_time_reads_it) {
    for (const nanoseconds time : {nanoseconds{0}, nanoseconds{1}, nanoseconds{1621464827959498503},
                                   nanoseconds{1'000'000'000}}) {
        std::string text;
        append_posix_time(text, time);
        EXPECT_EQ(parse_posix_time(text), time) << text;
    }
    std::string text;
    append_posix_time(text, 1621464827959498503);
    EXPECT_EQ(text, "1621464827.959498503");
    text.clear();
    append_posix_time(text, 5);
    EXPECT_EQ(text, "0.000000005");
}

} // namespace
} // namespace herd::geo
