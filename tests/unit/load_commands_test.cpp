#include "bench/load_commands.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
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

TEST(load_commands, micro_degrees_print_as_fmt_prints_six_decimals) {
    for (const std::int32_t micro : {0, 1, -1, 999'999, -999'999, 1'000'000, -1'000'000, -500'000, 34'068'930,
                                     -118'445'127, 90'000'000, -180'000'000, std::numeric_limits<std::int32_t>::max(),
                                     std::numeric_limits<std::int32_t>::min()}) {
        const double degrees = static_cast<double>(micro) / 1e6;
        EXPECT_EQ(micro_degrees(micro, true), "at " + fmt::format("{:+.6f}", degrees)) << micro;
        EXPECT_EQ(micro_degrees(micro, false), "at " + fmt::format("{:.6f}", degrees)) << micro;
    }
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

TEST(load_commands, an_iamat_parses_as_the_protocol_s_iamat) {
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

// Every GEOADD is byte for byte what the generator sent when fmt formatted it.
TEST(load_commands, geoadds_are_what_fmt_made_of_the_points) {
    for (std::size_t n = 0; n < 20'000; n += 7) {
        const std::string lng = fmt::format("{:.6f}", -118.5 + static_cast<double>(n % 1013) * 0.0001);
        const std::string lat = fmt::format("{:.6f}", 34.0 + static_cast<double>(n % 1009) * 0.0001);
        const std::string id = fmt::format("bench{}", n);
        std::string ours;
        append_command(ours, options_for(load_mode::geoadd), n, 0);
        ASSERT_EQ(ours, fmt::format("*5\r\n$6\r\nGEOADD\r\n$4\r\nherd\r\n${}\r\n{}\r\n${}\r\n{}\r\n${}\r\n{}\r\n",
                                    lng.size(), lng, lat.size(), lat, id.size(), id))
            << "client " << n;
    }
}

TEST(load_commands, idle_sends_nothing) {
    std::string out;
    append_command(out, options_for(load_mode::idle), 1, 0);
    EXPECT_EQ(out, "");
}

TEST(load_commands, client_times_rise_within_a_write_and_past_a_clock_step_back) {
    client_times times;
    EXPECT_EQ(times.next(1'000), 1'000);
    EXPECT_EQ(times.next(1'000), 1'001); // the next command of the same write
    EXPECT_EQ(times.next(1'002), 1'002);
    EXPECT_EQ(times.next(500), 1'003); // the clock stepped back
    EXPECT_EQ(times.next(9'000), 9'000);
}

TEST(load_commands, a_write_s_commands_go_round_the_ids_with_rising_times) {
    load_options options = options_for(load_mode::iamat);
    options.ids = 2;
    client_times times;
    std::string out;
    append_commands(out, options, 1, 3, 1'000, times); // one clock reading for the write
    EXPECT_EQ(out, "IAMAT bench1 +34.000100-118.499900 0.000001000\n"
                   "IAMAT bench0 +34.000000-118.500000 0.000001001\n"
                   "IAMAT bench1 +34.000100-118.499900 0.000001002\n");
    out.clear();
    append_commands(out, options_for(load_mode::whatsat), 7, 2, 1'000, times);
    EXPECT_EQ(out, "WHATSAT bench7 10 5\nWHATSAT bench8 10 5\n");
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
