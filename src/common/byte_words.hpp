#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

// Reading text eight bytes a step, as the parsers, the store's digest hash and the log's
// escaping do on their hot paths.
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

} // namespace herd::byte_words
