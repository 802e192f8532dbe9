#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

namespace herd {

// Appends `value` in decimal to `out`, without a temporary string (std::to_string's).
inline void append_decimal(std::string& out, std::uint64_t value) {
    std::array<char, 20> digits{}; // UINT64_MAX has 20
    const char* end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    out.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
}

// How many characters append_decimal writes for `value`.
constexpr std::size_t decimal_length(std::uint64_t value) {
    std::size_t length = 1;
    for (; value >= 10; value /= 10) {
        ++length;
    }
    return length;
}

// Writes the last `Width` decimal digits of `value`, zero-padded, to dest[0, Width).
template <std::size_t Width>
constexpr void write_fixed_digits(char* dest, std::uint64_t value) {
    for (std::size_t i = Width; i-- > 0;) {
        dest[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

// Appends `value` / 10^FractionDigits, a point, and the remainder in exactly FractionDigits
// digits: fixed point, `1700000000.000000123` for 1700000000000000123 with 9.
template <std::size_t FractionDigits>
void append_fixed_point(std::string& out, std::uint64_t value) {
    constexpr std::uint64_t scale = [] {
        std::uint64_t s = 1;
        for (std::size_t i = 0; i < FractionDigits; ++i) {
            s *= 10;
        }
        return s;
    }();
    append_decimal(out, value / scale);
    std::array<char, FractionDigits + 1> fraction{};
    fraction[0] = '.';
    write_fixed_digits<FractionDigits>(fraction.data() + 1, value % scale);
    out.append(fraction.data(), fraction.size());
}

// Appends the finite `value` in fixed notation (never an exponent), with the fewest digits
// that read back as the same double: "0.00001", "151.2", "4500000".
inline void append_shortest_fixed(std::string& out, double value) {
    // The longest: the smallest subnormal, "-0." then 323 zeros and a digit (DBL_MAX has 309
    // digits).
    std::array<char, 400> text{};
    const char* end = std::to_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed).ptr;
    out.append(text.data(), static_cast<std::size_t>(end - text.data()));
}

} // namespace herd
