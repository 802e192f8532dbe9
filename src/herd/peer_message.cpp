#include "herd/peer_message.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#include "common/hex.hpp"
#include "common/byte_words.hpp"
#include "geo/coordinates.hpp"
#include "geo/timestamp.hpp"
#include "protocol/command.hpp"

namespace herd::peer {
namespace {

constexpr std::string_view magic = "HERD ";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The longest difference geo::append_signed_seconds writes: a sign, the ten digits of
// 2^63 ns in seconds, a point and nine digits.
constexpr std::size_t max_difference_bytes = 21;

// `+S.NNNNNNNNN` or `-S.NNNNNNNNN`, as geo::append_signed_seconds writes it.
bool valid_difference(std::string_view text) {
    if (text.size() < 12 || text.size() > max_difference_bytes || (text[0] != '+' && text[0] != '-')) {
        return false;
    }
    const std::size_t point = text.size() - 10;
    if (text[point] != '.') {
        return false;
    }
    for (std::size_t i = 1; i < text.size(); ++i) {
        if (i != point && !is_digit(text[i])) {
            return false;
        }
    }
    return true;
}

// protocol::is_space but ' ' is exactly bytes 9 to 13 (\t \n \v \f \r): split_fields's
// word test depends on it.
constexpr bool other_space_is_bytes_9_to_13() {
    for (int value = 0; value < 256; ++value) {
        const char c = static_cast<char>(value);
        if ((protocol::is_space(c) && c != ' ') != (value >= 9 && value <= 13)) {
            return false;
        }
    }
    return true;
}
static_assert(other_space_is_bytes_9_to_13());

// Splits on single spaces into exactly N fields; false on any other count, an empty field or
// any other white space (protocol::is_space). One pass, eight bytes a step, a branch per space
// rather than per byte: a loop that branched on every byte, and later one white-space pass
// plus a memchr per field, were most of what a neighbour's update cost.
template <std::size_t N>
bool split_fields(std::string_view line, std::array<std::string_view, N>& fields) {
    std::size_t count = 0; // fields found
    std::size_t start = 0; // where the current field began
    const auto field_ends_at = [&](std::size_t space) {
        if (count + 1 == N || space == start) {
            return false; // one field too many, or an empty one
        }
        fields[count++] = line.substr(start, space - start);
        start = space + 1;
        return true;
    };
    std::size_t i = 0;
    for (; i + 8 <= line.size(); i += 8) {
        const std::uint64_t word = byte_words::load(line.data() + i); // the first byte in the low bits
        if (byte_words::has_between(word, 8, 14)) { // white space other than ' ': bytes 9-13
            return false;
        }
        for (std::uint64_t spaces = byte_words::bytes_equal(word, ' '); spaces != 0; spaces &= spaces - 1) {
            if (!field_ends_at(i + static_cast<std::size_t>(std::countr_zero(spaces)) / 8)) {
                return false;
            }
        }
    }
    for (; i < line.size(); ++i) {
        if (line[i] == ' ' ? !field_ends_at(i) : protocol::is_space(line[i])) {
            return false;
        }
    }
    if (count + 1 != N || start == line.size()) {
        return false; // too few fields, or an empty last one
    }
    fields[count] = line.substr(start);
    return true;
}

} // namespace

bool is_handshake(std::string_view line) { return line.starts_with(magic); }

bool opens_handshake(std::string_view line) {
    if (!is_handshake(line)) {
        return false;
    }
    const std::size_t version_end = line.find(' ', magic.size());
    if (version_end == std::string_view::npos || version_end == magic.size()) {
        return false;
    }
    const std::string_view after_version = line.substr(version_end);
    return after_version == " HELLO" || after_version.starts_with(" HELLO ");
}

std::optional<update> parse_at_line(std::string_view line) {
    std::array<std::string_view, 6> f;
    if (!split_fields(line, f) || f[0] != "AT") {
        return std::nullopt;
    }
    if (f[1].size() > 64 || !valid_difference(f[2]) || f[3].size() > protocol::max_client_id_bytes ||
        !geo::is_iso6709(f[4])) {
        return std::nullopt;
    }
    const auto time = geo::parse_posix_time(f[5]);
    if (!time) {
        return std::nullopt;
    }
    return update{store::record_ref{*time, line}, f[3]};
}

message parse_message(std::string_view line) {
    if (line == "PING") {
        return ping{};
    }
    if (line.starts_with("DIGEST ")) {
        return digest{line.substr(7)};
    }
    if (line.starts_with("AT ")) {
        if (auto u = parse_at_line(line)) {
            return std::move(*u);
        }
        return malformed{};
    }
    if (!is_handshake(line)) {
        return malformed{};
    }
    if (std::array<std::string_view, 6> six; split_fields(line, six)) {
        if (six[2] == "HELLO") {
            return hello{six[1], six[3], six[4], six[5]};
        }
        if (six[1] == protocol_version && six[2] == "CHALLENGE") {
            return challenge{six[3], six[4], six[5]};
        }
    }
    std::array<std::string_view, 4> four;
    if (split_fields(line, four) && four[1] == protocol_version) {
        if (four[2] == "WELCOME") {
            return welcome{four[3]};
        }
        if (four[2] == "PROOF") {
            return proof{four[3]};
        }
    }
    // `HERD <any version> REFUSED <reason>`: read whatever version the other side speaks, so
    // its reason can be shown.
    const std::string_view after_version = line.substr(std::min(line.size(), line.find(' ', magic.size())));
    if (after_version.starts_with(" REFUSED ") && after_version.size() > 9) {
        return refused{after_version.substr(9)};
    }
    return malformed{};
}

std::string format_digest(const std::vector<std::uint64_t>& digests) {
    std::string line = "DIGEST ";
    for (const std::uint64_t d : digests) {
        for (int shift = 60; shift >= 0; shift -= 4) {
            line += hex::digits[(d >> shift) & 0xf];
        }
    }
    line += '\n';
    return line;
}

std::optional<std::vector<std::uint64_t>> decode_digest(std::string_view text, std::size_t buckets) {
    if (text.size() != buckets * 16) {
        return std::nullopt;
    }
    std::vector<std::uint64_t> digests(buckets);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const int value = hex::value_of(text[i]);
        if (value < 0) {
            return std::nullopt;
        }
        digests[i / 16] = (digests[i / 16] << 4) | static_cast<std::uint64_t>(value);
    }
    return digests;
}

std::string format_hello(std::string_view from, std::string_view to, std::string_view nonce) {
    return std::string(magic) + std::string(protocol_version) + " HELLO " + std::string(from) + " " +
           std::string(to) + " " + std::string(nonce) + "\n";
}

std::string format_challenge(std::string_view name, std::string_view nonce, std::string_view proof) {
    return std::string(magic) + std::string(protocol_version) + " CHALLENGE " + std::string(name) + " " +
           std::string(nonce) + " " + std::string(proof) + "\n";
}

std::string format_proof(std::string_view proof) {
    return std::string(magic) + std::string(protocol_version) + " PROOF " + std::string(proof) + "\n";
}

std::string format_welcome(std::string_view name) {
    return std::string(magic) + std::string(protocol_version) + " WELCOME " + std::string(name) + "\n";
}

std::string format_refused(std::string_view reason) {
    return std::string(magic) + std::string(protocol_version) + " REFUSED " + std::string(reason) + "\n";
}

} // namespace herd::peer
