#include "geo/coordinates.hpp"

#include <gtest/gtest.h>

namespace herd::geo {
namespace {

TEST(coordinates, parses_signed_components) {
    const auto c = parse_iso6709("-33.8670522+151.1957362");
    ASSERT_TRUE(c);
    EXPECT_DOUBLE_EQ(c->latitude, -33.8670522);
    EXPECT_DOUBLE_EQ(c->longitude, 151.1957362);
}

TEST(coordinates, integer_components_are_allowed) {
    const auto c = parse_iso6709("+34-118");
    ASSERT_TRUE(c);
    EXPECT_DOUBLE_EQ(c->latitude, 34);
    EXPECT_DOUBLE_EQ(c->longitude, -118);
}

TEST(coordinates, range_is_checked_on_the_digits) {
    EXPECT_TRUE(parse_iso6709("+90.000000000000000000000-180.0000000000000000000"));
    EXPECT_FALSE(parse_iso6709("+90.000000000000000000001+0"));
    EXPECT_FALSE(parse_iso6709("+0+180.000000000000000000001"));
    EXPECT_FALSE(parse_iso6709("+91+0"));
    EXPECT_FALSE(parse_iso6709("+0+181"));
}

TEST(coordinates, digit_counts_follow_the_pattern) {
    EXPECT_FALSE(parse_iso6709("+123+1"));  // three latitude digits
    EXPECT_FALSE(parse_iso6709("+1+1234")); // four longitude digits
    EXPECT_FALSE(parse_iso6709("+1.+1"));
    EXPECT_FALSE(parse_iso6709("+1+1."));
    EXPECT_FALSE(parse_iso6709(""));
    EXPECT_FALSE(parse_iso6709("+"));
    EXPECT_FALSE(parse_iso6709("+1"));
}

TEST(coordinates, the_check_alone_agrees_with_the_parse) {
    for (const char* text : {"-33.8670522+151.1957362", "+34-118", "+90.000000000000000000000-180.0000000000000000000",
                             "+90.000000000000000000001+0", "+0+181", "+123+1", "+1+1234", "+1.+1", "+1+1.", "", "+",
                             "+1", "+1+1 ", "34-118", "+1-1-1"}) {
        EXPECT_EQ(is_iso6709(text), parse_iso6709(text).has_value()) << text;
    }
    EXPECT_TRUE(is_iso6709("+34.068930-118.445127"));
    EXPECT_FALSE(is_iso6709("+34.068930-118.445127x"));
}

TEST(bounded_decimal, parses_and_bounds) {
    EXPECT_DOUBLE_EQ(*parse_bounded_decimal("0", 50), 0);
    EXPECT_DOUBLE_EQ(*parse_bounded_decimal("12.5", 50), 12.5);
    EXPECT_DOUBLE_EQ(*parse_bounded_decimal("0050.000", 50), 50);
    EXPECT_FALSE(parse_bounded_decimal("50.0000000000000000001", 50));
    EXPECT_FALSE(parse_bounded_decimal("1234567890123456789012", 50));
    EXPECT_FALSE(parse_bounded_decimal("", 50));
    EXPECT_FALSE(parse_bounded_decimal("1 ", 50));
}

} // namespace
} // namespace herd::geo
