#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herd::geo {

// Nanoseconds since the POSIX epoch: exact, never floating point.
using nanoseconds = std::int64_t;

namespace detail {
// `text` read word-wise when it is ten digits, a point and nine digits (the form
// append_posix_time writes for times from 2001 on, which members and clients send) and at most
// 9223372035 seconds; -1 for any other text.
nanoseconds parse_ten_point_nine(std::string_view text);
// Any text, byte by byte, as parse_posix_time says; -1 when it says nothing.
nanoseconds parse_any_form(std::string_view text);
} // namespace detail

// Parses POSIX time `D+[.D+]` (unsigned, no exponent) into nanoseconds. Fraction digits
// beyond the ninth are truncated. Returns nothing on another form or past year 2262. (Inline
// over plain integers: a function that returned the optional built it on its stack and loaded
// it back, a store-to-load forwarding stall on every update a member parsed.)
inline std::optional<nanoseconds> parse_posix_time(std::string_view text) {
    nanoseconds time = detail::parse_ten_point_nine(text);
    if (time < 0) {
        time = detail::parse_any_form(text);
    }
    return time >= 0 ? std::optional<nanoseconds>(time) : std::nullopt;
}

// Writes a signed difference as `+S.NNNNNNNNN` (`+` for zero or more, `-` below zero).
void append_signed_seconds(std::string& out, nanoseconds difference);

// Writes a time of zero or more as `S.NNNNNNNNN`, the form parse_posix_time reads back.
void append_posix_time(std::string& out, nanoseconds time);

// The system clock now, in nanoseconds since the epoch.
nanoseconds now_ns();

} // namespace herd::geo
