#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herd::geo {

// Nanoseconds since the POSIX epoch: exact, never floating point.
using nanoseconds = std::int64_t;

// Parses POSIX time `D+[.D+]` (unsigned, no exponent) into nanoseconds. Fraction digits
// beyond the ninth are truncated. Returns nothing on another form or past year 2262.
std::optional<nanoseconds> parse_posix_time(std::string_view text);

// Writes a signed difference as `+S.NNNNNNNNN` (`+` for zero or more, `-` below zero).
void append_signed_seconds(std::string& out, nanoseconds difference);

// Writes a time of zero or more as `S.NNNNNNNNN`, the form parse_posix_time reads back.
void append_posix_time(std::string& out, nanoseconds time);

// The system clock now, in nanoseconds since the epoch.
nanoseconds now_ns();

} // namespace herd::geo
