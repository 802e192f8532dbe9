#include "protocol/command.hpp"

#include <gtest/gtest.h>

#include "geo/coordinates.hpp"

namespace herd::protocol {
namespace {

// The alternative T of `c` (a copy: `c` is often a temporary; its views point into the line).
template <typename T>
T as(const command& c) {
    EXPECT_TRUE(std::holds_alternative<T>(c)) << "variant index " << c.index();
    return std::get<T>(c);
}

bool is_invalid(std::string_view line) { return std::holds_alternative<invalid_command>(parse_command(line)); }

TEST(command, parses_iamat_and_keeps_fields_byte_for_byte) {
    const auto iamat = as<iamat_command>(parse_command("IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503"));
    EXPECT_EQ(iamat.client_id, "kiwi.cs.ucla.edu");
    EXPECT_EQ(iamat.location, "+34.068930-118.445127");
    EXPECT_EQ(iamat.client_time, "1621464827.959498503");
    const auto position = geo::parse_iso6709(iamat.location);
    ASSERT_TRUE(position);
    EXPECT_DOUBLE_EQ(position->latitude, 34.068930);
    EXPECT_DOUBLE_EQ(position->longitude, -118.445127);
    EXPECT_EQ(iamat.client_time_ns, 1621464827959498503);
}

TEST(command, any_white_space_separates_fields_and_is_trimmed) {
    const auto iamat = as<iamat_command>(parse_command(" \t\fIAMAT\t\vkiwi  +1-2\r 5 \r"));
    EXPECT_EQ(iamat.client_id, "kiwi");
    EXPECT_EQ(iamat.location, "+1-2");
    EXPECT_EQ(iamat.client_time, "5");
}

TEST(command, blank_lines_are_blank) {
    EXPECT_TRUE(std::holds_alternative<blank_line>(parse_command("")));
    EXPECT_TRUE(std::holds_alternative<blank_line>(parse_command(" \t\r\f\v")));
}

TEST(command, parses_whatsat) {
    const auto w = as<whatsat_command>(parse_command("WHATSAT kiwi.cs.ucla.edu 10 5"));
    EXPECT_EQ(w.client_id, "kiwi.cs.ucla.edu");
    EXPECT_DOUBLE_EQ(w.radius_km, 10);
    EXPECT_EQ(w.bound, 5u);
    EXPECT_DOUBLE_EQ(as<whatsat_command>(parse_command("WHATSAT k 0.5 0")).radius_km, 0.5);
    EXPECT_EQ(as<whatsat_command>(parse_command("WHATSAT k 50.000 20")).bound, 20u);
    EXPECT_DOUBLE_EQ(as<whatsat_command>(parse_command("WHATSAT k 007 3")).radius_km, 7);
    // Leading zeros, in the bound as in the radius: the same integer.
    EXPECT_EQ(as<whatsat_command>(parse_command("WHATSAT k 10 0005")).bound, 5u);
    EXPECT_EQ(as<whatsat_command>(parse_command("WHATSAT k 10 000000000020")).bound, 20u);
    EXPECT_EQ(as<whatsat_command>(parse_command("WHATSAT k 10 0000")).bound, 0u);
}

TEST(command, whatsat_rejects_out_of_range_and_malformed_numbers) {
    for (const char* line : {"WHATSAT k 50.0001 5", "WHATSAT k 51 5", "WHATSAT k -1 5", "WHATSAT k +1 5",
                             "WHATSAT k 1e1 5", "WHATSAT k 1. 5", "WHATSAT k .5 5", "WHATSAT k 10 21",
                             "WHATSAT k 10 -1", "WHATSAT k 10 2.0", "WHATSAT k 10 +2", "WHATSAT k 10 0x5",
                             "WHATSAT k 10 99999999999999999999", "WHATSAT k 10", "WHATSAT k 10 5 6",
                             "WHATSAT k nan 5", "WHATSAT k inf 5"}) {
        EXPECT_TRUE(is_invalid(line)) << line;
    }
}

TEST(command, iamat_rejects_malformed_locations) {
    for (const char* location : {"34.068930-118.445127", "+34.068930", "+34.068930-118.445127+1",
                                 "+34.-118", "+.5-118", "+123-118", "+34-1180", "+90.0000001+0",
                                 "+90.000000000000000000001+0", "-90.1+0", "+0+180.000001", "+0-181",
                                 "++34-118", "+3a-118", "+34.0e1-118", "+34,5-118"}) {
        EXPECT_TRUE(is_invalid(std::string("IAMAT k ") + location + " 1")) << location;
    }
}

TEST(command, iamat_accepts_the_edges_of_the_ranges) {
    for (const char* location : {"+90-180", "-90.000+180.0000", "+0+0", "-00.5+000.25", "+9+9"}) {
        EXPECT_FALSE(is_invalid(std::string("IAMAT k ") + location + " 1")) << location;
    }
}

TEST(command, iamat_rejects_malformed_times) {
    for (const char* time : {"-1", "+1", "1.", ".5", "1e9", "1.5.5", "abc", "1,5", "99999999999999999999"}) {
        EXPECT_TRUE(is_invalid(std::string("IAMAT k +1+1 ") + time)) << time;
    }
}

TEST(command, client_id_is_at_most_255_bytes_of_anything_but_white_space) {
    const std::string longest(255, 'i');
    EXPECT_EQ(as<iamat_command>(parse_command("IAMAT " + longest + " +1+1 1")).client_id, longest);
    EXPECT_TRUE(is_invalid("IAMAT " + longest + "i +1+1 1"));
    EXPECT_EQ(as<iamat_command>(parse_command("IAMAT \x01\xff\"{} +1+1 1")).client_id, "\x01\xff\"{}");
}

TEST(command, command_words_are_case_sensitive_and_exact) {
    for (const char* line : {"iamat k +1+1 1", "Iamat k +1+1 1", "whatsat k 1 1", "AT Clark +0.1 k +1+1 1",
                             "IAMATX k +1+1 1", "IAMAT k +1+1", "IAMAT k +1+1 1 extra", "hello"}) {
        EXPECT_TRUE(is_invalid(line)) << line;
    }
}

TEST(command, invalid_lines_carry_the_trimmed_line) {
    EXPECT_EQ(as<invalid_command>(parse_command(" \tIAMAT  a\tb \r")).trimmed, "IAMAT  a\tb");
}

TEST(command, trim_removes_only_the_protocol_white_space) {
    EXPECT_EQ(trim("\v\f\t\r\n x y \n\r\t\f\v"), "x y");
    EXPECT_EQ(trim("\x01x\x01"), "\x01x\x01");
}

} // namespace
} // namespace herd::protocol
