#include "common/byte_words.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace herd::byte_words {
namespace {

// Eight-byte texts with every byte value at every place, each beside a neighbour that could
// trip a test that lets a carry or borrow cross bytes; the word tests must agree with the
// same question asked of each byte alone.
template <typename Check>
void for_each_text(Check check) {
    const std::array<int, 8> neighbours{'k', 0x00, 0x01, 0x7f, 0x80, 0xff, ' ', '\\'};
    for (std::size_t at = 0; at < 8; ++at) {
        for (int value = 0; value < 256; ++value) {
            for (const int neighbour : neighbours) {
                std::string text(8, 'k');
                text[at] = static_cast<char>(value);
                text[(at + 1) % 8] = static_cast<char>(neighbour);
                check(text);
            }
        }
    }
}

template <typename Predicate>
bool any_byte(const std::string& text, Predicate predicate) {
    for (const char c : text) {
        if (predicate(static_cast<unsigned>(static_cast<unsigned char>(c)))) {
            return true;
        }
    }
    return false;
}

TEST(byte_words, load_puts_the_first_byte_lowest) {
    EXPECT_EQ(load("\x01\x02\x03\x04\x05\x06\x07\x08"), 0x0807'0605'0403'0201ull);
}

TEST(byte_words, less_more_and_between_agree_with_each_byte) {
    for_each_text([](const std::string& text) {
        const std::uint64_t word = load(text.data());
        for (const unsigned n : {1u, 0x20u, 0x30u, 0x80u}) {
            ASSERT_EQ(has_less(word, n), any_byte(text, [n](unsigned b) { return b < n; })) << n;
        }
        for (const unsigned n : {0u, 0x39u, 0x7eu, 0x7fu}) {
            ASSERT_EQ(has_more(word, n), any_byte(text, [n](unsigned b) { return b > n; })) << n;
        }
        for (const auto [m, n] : {std::array<unsigned, 2>{8, 14}, {0x2f, 0x3a}, {0, 128}}) {
            ASSERT_EQ(has_between(word, m, n), any_byte(text, [m, n](unsigned b) { return b > m && b < n; }))
                << m << " " << n;
        }
    });
}

TEST(byte_words, bytes_equal_marks_exactly_the_equal_bytes) {
    for_each_text([](const std::string& text) {
        const std::uint64_t word = load(text.data());
        for (const unsigned char c : {' ', '\\', '\0', '\x7f', '\x80', '\xff'}) {
            std::uint64_t expected = 0;
            for (std::size_t i = 0; i < 8; ++i) {
                if (static_cast<unsigned char>(text[i]) == c) {
                    expected |= std::uint64_t{0x80} << (8 * i);
                }
            }
            ASSERT_EQ(bytes_equal(word, c), expected) << int{c};
        }
    });
}

// Every position of a match within and across words, and the tail past the last whole word.
TEST(byte_words, for_each_equal_visits_each_match_in_order_and_stops_when_asked) {
    for (std::size_t size = 0; size <= 20; ++size) {
        for (std::size_t mask = 0; mask < 64; ++mask) { // matches at six spread positions
            std::string text(size, 'x');
            std::vector<std::size_t> expected;
            for (std::size_t bit = 0; bit < 6; ++bit) {
                const std::size_t at = bit * 7 % 20; // 0, 7, 14, 1, 8, 15: either side of a word's edge
                if ((mask >> bit & 1) != 0 && at < size) {
                    text[at] = ' ';
                }
            }
            for (std::size_t i = 0; i < size; ++i) {
                if (text[i] == ' ') {
                    expected.push_back(i);
                }
            }
            std::vector<std::size_t> seen;
            for_each_equal(text, ' ', [&](std::size_t at) {
                seen.push_back(at);
                return true;
            });
            EXPECT_EQ(seen, expected) << text;
            std::vector<std::size_t> first_two;
            for_each_equal(text, ' ', [&](std::size_t at) {
                first_two.push_back(at);
                return first_two.size() < 2;
            });
            expected.resize(std::min<std::size_t>(expected.size(), 2));
            EXPECT_EQ(first_two, expected) << text;
        }
    }
}

} // namespace
} // namespace herd::byte_words
