#pragma once

#include <optional>
#include <string_view>

namespace herd::geo {

// A position in decimal degrees. Latitude in [-90, 90], longitude in [-180, 180].
struct coordinates {
    double latitude = 0;
    double longitude = 0;
};

// Parses ISO 6709 style "+34.068930-118.445127": `[+-]D{1,2}[.D+][+-]D{1,3}[.D+]`.
// Returns nothing on any other form or when a value is out of range (checked exactly,
// on the digits, so "+90.000000000000000001" is rejected).
std::optional<coordinates> parse_iso6709(std::string_view text);

// True exactly when parse_iso6709(text) would succeed; converts nothing.
bool is_iso6709(std::string_view text);

// Parses an unsigned decimal `D+[.D+]` no greater than `max_whole` (checked exactly).
// At most 18 integer digits after leading zeros.
std::optional<double> parse_bounded_decimal(std::string_view text, unsigned max_whole);

} // namespace herd::geo
