#include "geo/timestamp.hpp"

#include <chrono>
#include <limits>

#include "common/append_decimal.hpp"
#include "common/byte_words.hpp"

namespace herd::geo {
namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;

constexpr std::int64_t max_seconds = std::numeric_limits<std::int64_t>::max() / ns_per_second - 1;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
std::int64_t digit(char c) { return c - '0'; }

// The value of the eight ASCII digits at `p`, or -1 when a byte is not a digit. Word-wise: one
// check and three multiplies, not a chain of eight multiply-adds.
std::int64_t eight_digits(const char* p) {
    using byte_words::ones;
    std::uint64_t word = byte_words::load(p); // the first digit in the low byte
    if (byte_words::has_less(word, '0') || byte_words::has_more(word, '9')) {
        return -1;
    }
    word -= ones * '0';
    word = word * 10 + (word >> 8); // bytes 0, 2, 4, 6: the pairs of digits, 0-99
    constexpr std::uint64_t pairs_0_and_4 = 0x0000'00ff'0000'00ffull;
    word = (((word & pairs_0_and_4) * (100 + (1'000'000ull << 32))) +
            (((word >> 16) & pairs_0_and_4) * (1 + (10'000ull << 32)))) >> 32;
    return static_cast<std::int64_t>(word);
}

} // namespace

namespace detail {

nanoseconds parse_ten_point_nine(std::string_view text) {
    if (text.size() != 20 || text[10] != '.') {
        return -1;
    }
    const std::int64_t seconds_high = eight_digits(text.data());  // digits 0-7
    const std::int64_t seconds_low = eight_digits(text.data() + 2); // 2-9: checks 8 and 9
    const std::int64_t fraction_high = eight_digits(text.data() + 11);
    const std::int64_t fraction_low = eight_digits(text.data() + 12);
    if ((seconds_high | seconds_low | fraction_high | fraction_low) < 0) {
        return -1;
    }
    const std::int64_t seconds = seconds_high * 100 + digit(text[8]) * 10 + digit(text[9]);
    if (seconds > max_seconds) {
        return -1;
    }
    return seconds * ns_per_second + fraction_high * 10 + digit(text[19]);
}

nanoseconds parse_any_form(std::string_view text) {
    std::size_t i = 0;
    std::int64_t seconds = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
        seconds = seconds * 10 + digit(text[i]);
        if (seconds > max_seconds) {
            return -1;
        }
    }
    if (i == 0) {
        return -1;
    }
    if (i == text.size()) {
        return seconds * ns_per_second;
    }
    if (text[i] != '.' || i + 1 == text.size()) {
        return -1;
    }
    std::int64_t fraction = 0;
    std::size_t kept = 0; // digits past the ninth are checked, not counted
    for (++i; i < text.size(); ++i) {
        if (!is_digit(text[i])) {
            return -1;
        }
        if (kept < 9) {
            fraction = fraction * 10 + digit(text[i]);
            ++kept;
        }
    }
    for (; kept < 9; ++kept) {
        fraction *= 10;
    }
    return seconds * ns_per_second + fraction; // one pass: no search for the point first
}

} // namespace detail

namespace {

// `S.NNNNNNNNN` for a magnitude in nanoseconds.
void append_seconds(std::string& out, std::uint64_t magnitude) {
    static_assert(ns_per_second == 1'000'000'000);
    append_fixed_point<9>(out, magnitude);
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
