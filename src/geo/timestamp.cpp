#include "geo/timestamp.hpp"

#include <chrono>
#include <limits>

namespace herd::geo {
namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

} // namespace

std::optional<nanoseconds> parse_posix_time(std::string_view text) {
    // One pass (no search for the point first): a member parses a time for every update.
    constexpr std::int64_t max_seconds = std::numeric_limits<std::int64_t>::max() / ns_per_second - 1;
    std::size_t i = 0;
    std::int64_t seconds = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
        seconds = seconds * 10 + (text[i] - '0');
        if (seconds > max_seconds) {
            return std::nullopt;
        }
    }
    if (i == 0) {
        return std::nullopt;
    }
    if (i == text.size()) {
        return seconds * ns_per_second;
    }
    if (text[i] != '.' || i + 1 == text.size()) {
        return std::nullopt;
    }
    std::int64_t fraction = 0;
    std::size_t kept = 0; // digits past the ninth are checked, not counted
    for (++i; i < text.size(); ++i) {
        if (!is_digit(text[i])) {
            return std::nullopt;
        }
        if (kept < 9) {
            fraction = fraction * 10 + (text[i] - '0');
            ++kept;
        }
    }
    for (; kept < 9; ++kept) {
        fraction *= 10;
    }
    return seconds * ns_per_second + fraction;
}

namespace {

// `S.NNNNNNNNN` for a magnitude in nanoseconds.
void append_seconds(std::string& out, std::uint64_t magnitude) {
    out += std::to_string(magnitude / ns_per_second);
    out += '.';
    std::uint64_t fraction = magnitude % ns_per_second;
    char digits[9];
    for (int i = 8; i >= 0; --i) {
        digits[i] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
    }
    out.append(digits, sizeof digits);
}

} // namespace

void append_signed_seconds(std::string& out, nanoseconds difference) {
    // The magnitude as unsigned, so even the most negative value has one.
    const bool negative = difference < 0;
    const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(difference)
                                             : static_cast<std::uint64_t>(difference);
    out += negative ? '-' : '+';
    append_seconds(out, magnitude);
}

void append_posix_time(std::string& out, nanoseconds time) { append_seconds(out, static_cast<std::uint64_t>(time)); }

nanoseconds now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace herd::geo
