#include "protocol/reply.hpp"

#include <gtest/gtest.h>

namespace herd::protocol {
namespace {

iamat_command kiwi() {
    return std::get<iamat_command>(
        parse_command("IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503"));
}

TEST(reply, at_line_has_the_exact_nanosecond_difference) {
    EXPECT_EQ(make_at_line("Clark", 1621464828223371889, kiwi()),
              "AT Clark +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503");
}

TEST(reply, at_line_difference_is_signed_and_zero_is_plus) {
    auto iamat = kiwi();
    EXPECT_EQ(at_line_origin(make_at_line("X", iamat.client_time_ns, iamat)), "X");
    EXPECT_NE(make_at_line("X", iamat.client_time_ns, iamat).find(" +0.000000000 "), std::string::npos);
    EXPECT_NE(make_at_line("X", iamat.client_time_ns - 1'500'000'000, iamat).find(" -1.500000000 "),
              std::string::npos);
    EXPECT_NE(make_at_line("X", iamat.client_time_ns + 12'000'000'000, iamat).find(" +12.000000000 "),
              std::string::npos);
}

TEST(reply, at_line_copies_fields_that_the_arithmetic_truncates) {
    const auto iamat =
        std::get<iamat_command>(parse_command("IAMAT k +01.50-001.250 0001621464827.9594985039999"));
    EXPECT_EQ(make_at_line("Bona", 1621464827959498503, iamat), "AT Bona +0.000000000 k +01.50-001.250 0001621464827.9594985039999");
}

TEST(reply, origin_of_an_at_line) {
    EXPECT_EQ(at_line_origin("AT Clark +0.1 k +1+1 1"), "Clark");
    EXPECT_EQ(at_line_origin("? AT"), "");
}

// A link looks an update's client up before it parses the line: the ID is the fourth field of
// any line that starts `AT `, and there is none in any other line.
TEST(reply, the_client_id_of_an_at_line_is_found_without_parsing) {
    const std::string line = "AT Clark +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503";
    EXPECT_EQ(at_line_client_id(line), "kiwi.cs.ucla.edu");
    EXPECT_EQ(at_line_client_id(line).data(), line.data() + 22); // a view into the line
    EXPECT_EQ(at_line_client_id("AT B +0.1 k garbage"), "k");  // the rest is not checked
    EXPECT_EQ(at_line_client_id("AT B +0.1 k"), "k");
    EXPECT_EQ(at_line_client_id("AT B +0.1"), "");
    EXPECT_EQ(at_line_client_id("AT"), "");
    EXPECT_EQ(at_line_client_id("PING"), "");
    EXPECT_EQ(at_line_client_id("DIGEST 0 1 k"), "");
    EXPECT_EQ(at_line_client_id("ATX B +0.1 k +1+1 1"), "");
}

TEST(reply, fields_of_an_at_line) {
    const std::string_view line = "AT Clark +0.1 kiwi +1+1 7";
    EXPECT_EQ(at_line_field(line, 0), "AT");
    EXPECT_EQ(at_line_field(line, at_origin_field), "Clark");
    EXPECT_EQ(at_line_field(line, at_client_id_field), "kiwi");
    EXPECT_EQ(at_line_field(line, at_location_field), "+1+1");
    EXPECT_EQ(at_line_field(line, 5), "7");  // the last field runs to the end
    EXPECT_EQ(at_line_field(line, 6), "");   // past the last field
    EXPECT_EQ(at_line_field("AT X ", 2), ""); // after a trailing space: an empty field
    EXPECT_EQ(at_line_field("", 0), "");
    // Fields longer than a word, and spaces at the edges of words (found eight bytes a step).
    const std::string_view real = "AT Bailey +0.000213771 load-1234 +34.068930-118.445127 1795443193.560389558";
    EXPECT_EQ(at_line_field(real, at_origin_field), "Bailey");
    EXPECT_EQ(at_line_field(real, 2), "+0.000213771");
    EXPECT_EQ(at_line_field(real, at_client_id_field), "load-1234");
    EXPECT_EQ(at_line_field(real, at_location_field), "+34.068930-118.445127");
    EXPECT_EQ(at_line_field(real, 5), "1795443193.560389558");
    EXPECT_EQ(at_line_field(real, 6), "");
    EXPECT_EQ(at_line_field("AT Bona12 k", 2), "k");       // the third field in the tail
    EXPECT_EQ(at_line_field("AT Bona kiwi", 2), "kiwi"); // a space as the first word's last byte
}

TEST(reply, invalid_reply_is_question_mark_and_line) {
    std::string out;
    append_invalid_reply(out, "IAMAT kiwi.cs.ucla.edu +34.068930-118.445127");
    EXPECT_EQ(out, "? IAMAT kiwi.cs.ucla.edu +34.068930-118.445127\n");
}

TEST(reply, whatsat_reply_frames_json_without_empty_lines) {
    std::string out;
    append_whatsat_reply(out, "AT Clark +0.1 k +1+1 1", "\n{\n\n   \"a\" : 1\n\n\n}\n\n");
    EXPECT_EQ(out, "AT Clark +0.1 k +1+1 1\n{\n   \"a\" : 1\n}\n\n");
}

TEST(reply, a_line_s_reply_framing_is_known_from_the_line) {
    EXPECT_EQ(framing_of(" \t\r"), reply_framing::none);
    EXPECT_EQ(framing_of(""), reply_framing::none);
    EXPECT_EQ(framing_of("IAMAT k +1+1 1"), reply_framing::line);
    EXPECT_EQ(framing_of("nonsense"), reply_framing::line);
    EXPECT_EQ(framing_of("WHATSAT k 10 5"), reply_framing::whatsat);
    EXPECT_EQ(framing_of("  WHATSAT\tk 10 5 "), reply_framing::whatsat);
    EXPECT_EQ(framing_of("WHATSAT k 51 5"), reply_framing::line); // invalid: a `?` line
}

TEST(reply, a_reply_ends_with_its_line_or_for_a_whatsat_with_a_blank_line) {
    std::size_t scan = 0;
    EXPECT_EQ(reply_length(reply_framing::line, "AT a b\nAT c", scan), 7U);
    EXPECT_EQ(reply_length(reply_framing::line, "AT a", scan), 0U);
    scan = 0;
    EXPECT_EQ(reply_length(reply_framing::whatsat, "AT a b\n{\n}\n", scan), 0U); // no blank line yet
    EXPECT_EQ(scan, 10U); // the search resumes at the last LF, which may begin the blank line
    EXPECT_EQ(reply_length(reply_framing::whatsat, "AT a b\n{\n}\n\nAT", scan), 12U);
    EXPECT_EQ(scan, 0U);
    EXPECT_EQ(reply_length(reply_framing::whatsat, "? WHATSAT x\nAT", scan), 12U); // `?` is one line
}

} // namespace
} // namespace herd::protocol
