#pragma once

#include <bit>
#include <cstdint>
#include <string_view>

#include "common/byte_words.hpp"

// SipHash (Aumasson and Bernstein, 2012): a keyed 64-bit hash. Whoever does not know the key
// cannot choose inputs whose hashes collide, so a hash table keyed by it stays fast whatever
// keys clients pick. SipHash-2-4 is the original; SipHash-1-3 (one compression round, three
// finalisation rounds) is the faster variant hash tables use.
namespace herd::siphash {

struct key {
    std::uint64_t k0 = 0;
    std::uint64_t k1 = 0;
};

// A key from the system's random source.
key random_key();

template <int CompressionRounds, int FinalisationRounds>
std::uint64_t hash(const key& k, std::string_view bytes) {
    std::uint64_t v0 = k.k0 ^ 0x736f'6d65'7073'6575ull;
    std::uint64_t v1 = k.k1 ^ 0x646f'7261'6e64'6f6dull;
    std::uint64_t v2 = k.k0 ^ 0x6c79'6765'6e65'7261ull;
    std::uint64_t v3 = k.k1 ^ 0x7465'6462'7974'6573ull;
    const auto rounds = [&](int count) {
        for (int i = 0; i < count; ++i) {
            v0 += v1, v1 = std::rotl(v1, 13), v1 ^= v0, v0 = std::rotl(v0, 32);
            v2 += v3, v3 = std::rotl(v3, 16), v3 ^= v2;
            v0 += v3, v3 = std::rotl(v3, 21), v3 ^= v0;
            v2 += v1, v1 = std::rotl(v1, 17), v1 ^= v2, v2 = std::rotl(v2, 32);
        }
    };
    const auto absorb = [&](std::uint64_t word) {
        v3 ^= word;
        rounds(CompressionRounds);
        v0 ^= word;
    };
    std::size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
        absorb(byte_words::load(bytes.data() + i));
    }
    std::uint64_t last = std::uint64_t{bytes.size() & 0xff} << 56; // the length's low byte on top
    for (std::size_t shift = 0; i < bytes.size(); ++i, shift += 8) {
        last |= std::uint64_t{static_cast<unsigned char>(bytes[i])} << shift;
    }
    absorb(last);
    v2 ^= 0xff;
    rounds(FinalisationRounds);
    return v0 ^ v1 ^ v2 ^ v3;
}

} // namespace herd::siphash
