#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

// Reading text eight bytes a step, as the parsers, the store's digest hash and the log's
// escaping do on their hot paths: one load, then tests of all eight bytes at once (the
// byte-wise tests of Bit Twiddling Hacks, in the forms that are exact for any word).
namespace herd::byte_words {

// A 1 in every byte: `ones * b` is the byte b in all eight places.
inline constexpr std::uint64_t ones = 0x0101'0101'0101'0101ull;

// The eight bytes at `p` as one word whose low byte is p[0], on any CPU (so a word's first
// byte is found with std::countr_zero and a hash of the bytes is the same everywhere).
inline std::uint64_t load(const char* p) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    if constexpr (std::endian::native == std::endian::big) {
        word = __builtin_bswap64(word);
    }
    return word;
}

namespace detail {
inline constexpr std::uint64_t high_bits = ones * 0x80;
inline constexpr std::uint64_t low7 = ones * 0x7f;
} // namespace detail

// True when a byte of `word` is below `n` (n at most 128).
constexpr bool has_less(std::uint64_t word, unsigned n) {
    return ((word - ones * n) & ~word & detail::high_bits) != 0;
}

// True when a byte of `word` is above `n` (n at most 127).
constexpr bool has_more(std::uint64_t word, unsigned n) {
    return (((word + ones * (127 - n)) | word) & detail::high_bits) != 0;
}

// True when a byte of `word` lies strictly between `m` and `n` (both at most 128).
constexpr bool has_between(std::uint64_t word, unsigned m, unsigned n) {
    using detail::low7;
    return ((ones * (127 + n) - (word & low7)) & ~word & ((word & low7) + ones * (127 - m)) &
            detail::high_bits) != 0;
}

// The high bit of each byte of `word` that equals `c`, and no other bit (so the first such
// byte is std::countr_zero(...) / 8; no carry crosses a byte, unlike the shorter zero test).
constexpr std::uint64_t bytes_equal(std::uint64_t word, unsigned char c) {
    using detail::low7;
    const std::uint64_t x = word ^ ones * c;
    return ~(((x & low7) + low7) | x | low7);
}

// Calls `visit(position)` for each byte of `text` that equals `c`, in order, until it returns
// false: eight bytes a step, the last few one by one.
template <typename Visit>
void for_each_equal(std::string_view text, char c, Visit&& visit) {
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        for (std::uint64_t found = bytes_equal(load(text.data() + i), static_cast<unsigned char>(c)); found != 0;
             found &= found - 1) {
            if (!visit(i + static_cast<std::size_t>(std::countr_zero(found)) / 8)) {
                return;
            }
        }
    }
    for (; i < text.size(); ++i) {
        if (text[i] == c && !visit(i)) {
            return;
        }
    }
}

} // namespace herd::byte_words
