#include "bench/load_commands.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "protocol/command.hpp"

namespace herd::bench {
namespace {

std::string micro_degrees(std::int32_t micro, bool plus) {
    std::string out = "at ";
    append_micro_degrees(out, micro, plus);
    return out;
}

TEST(load_commands, micro_degrees_print_as_printf_prints_six_decimals) {
    EXPECT_EQ(micro_degrees(0, true), "at +0.000000");
    EXPECT_EQ(micro_degrees(0, false), "at 0.000000");
    EXPECT_EQ(micro_degrees(1, true), "at +0.000001");
    EXPECT_EQ(micro_degrees(-500'000, true), "at -0.500000");
    EXPECT_EQ(micro_degrees(34'068'930, true), "at +34.068930");
    EXPECT_EQ(micro_degrees(-118'445'127, false), "at -118.445127");
    EXPECT_EQ(micro_degrees(90'000'000, true), "at +90.000000");
    EXPECT_EQ(micro_degrees(-180'000'000, true), "at -180.000000");
}

// The points are the ones the generator sent when it formatted doubles with fmt, so runs
// before and after store the same places.
TEST(load_commands, points_are_the_spread_around_ucla_to_the_microdegree) {
    for (std::size_t n = 0; n < 20'000; n += 7) {
        const bench_point p = point_of(n);
        const double lat = 34.0 + static_cast<double>(n % 1009) * 0.0001;
        const double lng = -118.5 + static_cast<double>(n % 1013) * 0.0001;
        std::string ours;
        append_micro_degrees(ours, p.lat_micro, true);
        append_micro_degrees(ours, p.lng_micro, true);
        ASSERT_EQ(ours, fmt::format("{:+.6f}{:+.6f}", lat, lng)) << "client " << n;
    }
}

load_options options_for(load_mode mode) {
    load_options options;
    options.mode = mode;
    options.id_prefix = "bench";
    options.radius_km = 10;
    options.bound = 5;
    return options;
}

TEST(load_commands, an_iamat_is_a_command_a_member_accepts) {
    std::string out = "before\n";
    append_command(out, options_for(load_mode::iamat), 1012, 1'700'000'000'000'000'123);
    EXPECT_EQ(out, "before\nIAMAT bench1012 +34.000300-118.398800 1700000000.000000123\n");

    const auto parsed = protocol::parse_command(std::string_view(out).substr(7, out.size() - 8));
    const auto* iamat = std::get_if<protocol::iamat_command>(&parsed);
    ASSERT_NE(iamat, nullptr);
    EXPECT_EQ(iamat->client_id, "bench1012");
    EXPECT_EQ(iamat->client_time_ns, 1'700'000'000'000'000'123);
}

TEST(load_commands, a_whatsat_asks_with_the_radius_and_bound) {
    std::string out;
    append_command(out, options_for(load_mode::whatsat), 42, 0);
    EXPECT_EQ(out, "WHATSAT bench42 10 5\n");
    const auto parsed = protocol::parse_command(std::string_view(out).substr(0, out.size() - 1));
    EXPECT_TRUE(std::holds_alternative<protocol::whatsat_command>(parsed));
}

TEST(load_commands, a_geoadd_is_resp_with_longitude_first) {
    std::string out;
    append_command(out, options_for(load_mode::geoadd), 1012, 0);
    EXPECT_EQ(out, "*5\r\n$6\r\nGEOADD\r\n$4\r\nherd\r\n$11\r\n-118.398800\r\n$9\r\n34.000300\r\n$9\r\nbench1012\r\n");
}

TEST(load_commands, idle_sends_nothing) {
    std::string out;
    append_command(out, options_for(load_mode::idle), 1, 0);
    EXPECT_EQ(out, "");
}

TEST(load_commands, a_reply_ends_at_its_line_or_for_whatsat_at_its_blank_line) {
    std::size_t scan = 0;
    EXPECT_EQ(reply_length(load_mode::iamat, "AT a b\nAT c", scan), 7U);
    EXPECT_EQ(scan, 0U);

    EXPECT_EQ(reply_length(load_mode::whatsat, "AT a b\n{\n}\n", scan), 0U); // no blank line yet
    EXPECT_EQ(scan, 10U);                                                    // resume at the last LF
    EXPECT_EQ(reply_length(load_mode::whatsat, "AT a b\n{\n}\n\nAT", scan), 12U);
    EXPECT_EQ(reply_length(load_mode::whatsat, "? WHATSAT x\nAT", scan), 12U); // `?` is one line

    EXPECT_TRUE(is_error(load_mode::iamat, "? IAMAT\n"));
    EXPECT_FALSE(is_error(load_mode::iamat, "AT Bailey\n"));
    EXPECT_TRUE(is_error(load_mode::geoadd, "-ERR wrong\r\n"));
    EXPECT_FALSE(is_error(load_mode::geoadd, ":1\r\n"));
}

} // namespace
} // namespace herd::bench
