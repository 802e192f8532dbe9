#include "herd/peer_message.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace herd::peer {
namespace {

TEST(peer_message, handshake_lines_round_trip) {
    const std::string h = format_hello("Bona", "Clark", "n0nce");
    EXPECT_EQ(h, "HERD 3 HELLO Bona Clark n0nce\n");
    const auto parsed = parse_message(std::string_view(h).substr(0, h.size() - 1));
    const auto& hi = std::get<hello>(parsed);
    EXPECT_EQ(hi.version, "3");
    EXPECT_EQ(hi.from, "Bona");
    EXPECT_EQ(hi.to, "Clark");
    EXPECT_EQ(hi.nonce, "n0nce");
    EXPECT_EQ(format_challenge("Clark", "n2", "p"), "HERD 3 CHALLENGE Clark n2 p\n");
    const auto c = std::get<challenge>(parse_message("HERD 3 CHALLENGE Clark n2 p"));
    EXPECT_EQ(c.name, "Clark");
    EXPECT_EQ(c.nonce, "n2");
    EXPECT_EQ(c.proof, "p");
    EXPECT_EQ(format_proof("abc"), "HERD 3 PROOF abc\n");
    EXPECT_EQ(std::get<proof>(parse_message("HERD 3 PROOF abc")).value, "abc");
    EXPECT_EQ(std::get<welcome>(parse_message("HERD 3 WELCOME Clark")).name, "Clark");
    EXPECT_EQ(format_welcome("Clark"), "HERD 3 WELCOME Clark\n");
    EXPECT_EQ(std::get<refused>(parse_message("HERD 3 REFUSED not a neighbour")).reason, "not a neighbour");
    EXPECT_EQ(std::get<refused>(parse_message("HERD 7 REFUSED old")).reason, "old");
    EXPECT_EQ(format_refused("why not"), "HERD 3 REFUSED why not\n");
    EXPECT_TRUE(std::holds_alternative<ping>(parse_message("PING")));
    EXPECT_EQ(ping_line, "PING\n");
}

TEST(peer_message, other_versions_parse_so_they_can_be_refused) {
    EXPECT_EQ(std::get<hello>(parse_message("HERD 1 HELLO Bona Clark n")).version, "1");
    EXPECT_TRUE(is_handshake("HERD 1 HELLO Bona Clark"));
    EXPECT_FALSE(is_handshake("IAMAT HERD"));
}

// On the client port, only a line that opens a handshake makes a connection a peer's.
TEST(peer_message, a_handshake_is_opened_only_by_a_hello_of_any_version_well_formed_or_not) {
    for (const char* opens : {"HERD 3 HELLO Bona Clark n", "HERD 1 HELLO Bona Clark", "HERD 3 HELLO", "HERD x HELLO y"}) {
        EXPECT_TRUE(opens_handshake(opens)) << opens;
    }
    for (const char* not_one : {"HERD hello", "HERD 3 WELCOME Clark", "HERD 3 HELLOS a b c", "HERD  HELLO a", "HERD 3",
                                "HERD 3 ", "IAMAT HERD 3 HELLO", "HERD"}) {
        EXPECT_FALSE(opens_handshake(not_one)) << not_one;
    }
}

TEST(peer_message, update_keeps_the_at_line_byte_for_byte) {
    const std::string line = "AT Clark +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503";
    const auto u = std::get<update>(parse_message(line));
    EXPECT_EQ(u.client_id, "kiwi.cs.ucla.edu");
    EXPECT_EQ(u.client_id.data(), u.record.client_id().data()); // a view into the line, as merge() needs
    EXPECT_EQ(u.record.at_line, line);
    EXPECT_EQ(u.record.at_line.data(), line.data()); // not copied
    EXPECT_EQ(u.record.origin(), "Clark");
    EXPECT_EQ(u.record.client_time_ns, 1621464827959498503);
    EXPECT_TRUE(parse_at_line("AT B -12.000000000 k +1+1 1"));
    EXPECT_TRUE(parse_at_line("AT B -9223372036.854775808 k +1+1 1")); // the longest difference
}

TEST(peer_message, digests_round_trip) {
    const std::vector<std::uint64_t> digests{0, 1, 0xfedcba9876543210ull, ~0ull};
    const std::string line = format_digest(digests);
    EXPECT_EQ(line, "DIGEST 0000000000000000" "0000000000000001" "fedcba9876543210" "ffffffffffffffff\n");
    const auto parsed = std::get<digest>(parse_message(std::string_view(line).substr(0, line.size() - 1)));
    EXPECT_EQ(decode_digest(parsed.hex, 4), digests);
    EXPECT_FALSE(decode_digest(parsed.hex, 5));
    EXPECT_FALSE(decode_digest("000000000000000g", 1));
    EXPECT_FALSE(decode_digest("0000000000000000", 0));
}

TEST(peer_message, malformed_lines_are_malformed) {
    for (const char* line : {"", "PING ", "ping", "AT Clark +0.1 k +1+1 1", "AT Clark +0.263873386 k +1+1",
                             "AT Clark +0.263873386 k +91+1 1", "AT Clark +0.263873386 k +1+1 -1",
                             "AT Clark 0.263873386 k +1+1 1", "AT Clark +0.26387338x k +1+1 1",
                             "AT  Clark +0.263873386 k +1+1 1", "AT Clark +0.263873386 k +1+1 1 extra",
                             "AT Clark\t+0.263873386 k +1+1 1", "HERD 3 HELLO Bona Clark", "HERD 3 WELCOME",
                             "HERD 1 WELCOME Clark", "HERD 3 PROOF", "HERD 1 PROOF x", "HERD 3 CHALLENGE a b",
                             "HERD 3 BYE x", "HERD 3 REFUSED ", "IAMAT k +1+1 1", "HERD 3 WELCOME Clark extra",
                             "HERD 3 HELLO Bona Clark n0nce\tx", "HERD 3 WELCOME ", "HERD 3 PROOF "}) {
        EXPECT_TRUE(std::holds_alternative<malformed>(parse_message(line))) << line;
    }
    EXPECT_FALSE(parse_at_line("AT Clark +0.263873386 " + std::string(256, 'k') + " +1+1 1"));
    EXPECT_FALSE(parse_at_line("AT Clark +0" + std::string(10, '0') + ".263873386 k +1+1 1")); // 22 bytes
    EXPECT_FALSE(parse_at_line("AT " + std::string(65, 'C') + " +0.263873386 k +1+1 1"));
    EXPECT_FALSE(parse_at_line("AT Clark +0.263873386 k +1+1 1 "));
    EXPECT_FALSE(parse_at_line(" AT Clark +0.263873386 k +1+1 1"));
    EXPECT_FALSE(parse_at_line("AT Clark +0.263873386 k +1+1\v1"));
}

// A client ID may hold any byte but white space: every byte value at every offset of a 16-byte
// ID (so at each of the eight places in a word the white-space check reads).
TEST(peer_message, only_white_space_bytes_are_refused_in_a_client_id) {
    for (std::size_t at = 0; at < 16; ++at) {
        for (int value = 0; value < 256; ++value) {
            const char byte = static_cast<char>(value);
            if (byte == ' ') {
                continue;
            }
            std::string id(16, 'k');
            id[at] = byte;
            const bool white = byte == '\t' || byte == '\n' || byte == '\v' || byte == '\f' || byte == '\r';
            const std::string line = "AT Clark +0.263873386 " + id + " +1+1 1";
            const auto u = parse_at_line(line); // views `line`
            EXPECT_EQ(u.has_value(), !white) << "byte " << value << " at " << at;
            if (u) {
                EXPECT_EQ(u->client_id, id);
            }
        }
    }
}

// Fields are split eight bytes a step: with IDs of 1 to 24 bytes the spaces after the ID fall
// at every place in a word, and every field must still come out whole.
TEST(peer_message, fields_split_wherever_the_spaces_fall) {
    for (std::size_t id_bytes = 1; id_bytes <= 24; ++id_bytes) {
        for (std::size_t origin_bytes = 1; origin_bytes <= 8; ++origin_bytes) {
            const std::string origin(origin_bytes, 'O');
            const std::string id(id_bytes, 'k');
            const std::string line = "AT " + origin + " +0.263873386 " + id + " +34.068930-118.445127 1621464827.5";
            const auto u = parse_at_line(line);
            ASSERT_TRUE(u) << line;
            EXPECT_EQ(u->client_id, id);
            EXPECT_EQ(u->record.origin(), origin);
            EXPECT_EQ(u->record.client_time_ns, 1621464827500000000);
        }
    }
}

// Any field left empty (six fields still), or a space added anywhere (so one field is empty or
// there are seven): malformed.
TEST(peer_message, an_empty_field_or_a_stray_space_is_malformed) {
    const std::vector<std::string> fields{"AT", "Clark", "+0.263873386", "kiwi.cs.ucla.edu", "+34.068930-118.445127",
                                          "1621464827.959498503"};
    const auto join = [](const std::vector<std::string>& parts) {
        std::string line = parts[0];
        for (std::size_t i = 1; i < parts.size(); ++i) {
            line += ' ' + parts[i];
        }
        return line;
    };
    const std::string line = join(fields);
    ASSERT_TRUE(parse_at_line(line));
    for (std::size_t empty = 0; empty < fields.size(); ++empty) {
        auto parts = fields;
        parts[empty].clear();
        EXPECT_FALSE(parse_at_line(join(parts))) << "field " << empty << " empty";
    }
    for (std::size_t at = 0; at <= line.size(); ++at) {
        std::string spaced = line;
        spaced.insert(at, 1, ' ');
        EXPECT_FALSE(parse_at_line(spaced)) << "a space inserted at " << at;
    }
}

} // namespace
} // namespace herd::peer
