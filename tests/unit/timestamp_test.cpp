#include "geo/timestamp.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace herd::geo {
namespace {

std::string signed_seconds(nanoseconds ns) {
    std::string out;
    append_signed_seconds(out, ns);
    return out;
}

// What parse_posix_time must give, the obvious slow way, to check its word-wise path against.
std::optional<nanoseconds> obvious_parse(std::string_view text) {
    const auto digits_only = [](std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    const std::size_t point = text.find('.');
    std::string_view whole = text.substr(0, point);
    const std::string_view fraction = point == std::string_view::npos ? "0" : text.substr(point + 1);
    if (!digits_only(whole) || !digits_only(fraction)) {
        return std::nullopt;
    }
    whole.remove_prefix(std::min(whole.find_first_not_of('0'), whole.size()));
    if (whole.size() > 10 || (whole.empty() ? 0 : std::stoull(std::string(whole))) > 9'223'372'035) {
        return std::nullopt; // past 2262
    }
    const std::string nine = (std::string(fraction) + "000000000").substr(0, 9);
    return static_cast<nanoseconds>((whole.empty() ? 0 : std::stoull(std::string(whole))) * 1'000'000'000 +
                                    std::stoull(nine));
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

// Ten digits, a point and nine digits is read word-wise: every byte value at every place of
// such a text must give what the obvious parse gives.
TEST(timestamp, usual_form_agrees_with_the_obvious_parse_byte_by_byte) {
    for (const std::string usual : {"1621464827.959498503", "0000000000.000000000", "9223372035.999999999"}) {
        for (std::size_t at = 0; at < usual.size(); ++at) {
            for (int value = 0; value < 256; ++value) {
                std::string text = usual;
                text[at] = static_cast<char>(value);
                const auto expected = obvious_parse(text);
                ASSERT_EQ(parse_posix_time(text), expected) << "byte " << value << " at " << at;
                if (at != 10) { // the point stays: the word-wise path alone must agree (-1 for nothing)
                    ASSERT_EQ(detail::parse_ten_point_nine(text), expected.value_or(-1))
                        << "byte " << value << " at " << at;
                }
            }
        }
    }
}

TEST(timestamp, usual_form_agrees_with_the_obvious_parse_over_its_range) {
    std::mt19937_64 random(6); // fixed: the same texts every run
    std::uniform_int_distribution<std::uint64_t> seconds(0, 9'999'999'999);
    std::uniform_int_distribution<std::uint64_t> fraction(0, 999'999'999);
    for (int i = 0; i < 100'000; ++i) {
        char text[32];
        std::snprintf(text, sizeof text, "%010llu.%09llu", static_cast<unsigned long long>(seconds(random)),
                      static_cast<unsigned long long>(fraction(random)));
        ASSERT_EQ(parse_posix_time(text), obvious_parse(text)) << text;
        ASSERT_EQ(detail::parse_ten_point_nine(text), obvious_parse(text).value_or(-1)) << text;
    }
    EXPECT_EQ(parse_posix_time("9223372035.999999999"), 9'223'372'035'999'999'999);
    EXPECT_FALSE(parse_posix_time("9223372036.000000000"));
    EXPECT_FALSE(parse_posix_time("9999999999.999999999"));
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
