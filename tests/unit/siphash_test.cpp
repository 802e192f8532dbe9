#include "common/siphash.hpp"

#include <string>

#include <gtest/gtest.h>

namespace herd::siphash {
namespace {

// The key 00 01 ... 0f and the message 00 01 ... (n - 1), as in the SipHash paper's vectors.
constexpr key paper_key{0x0706'0504'0302'0100ull, 0x0f0e'0d0c'0b0a'0908ull};

std::string counting_bytes(int n) {
    std::string bytes;
    for (int i = 0; i < n; ++i) {
        bytes.push_back(static_cast<char>(i));
    }
    return bytes;
}

TEST(siphash, siphash_2_4_gives_the_papers_vectors) {
    EXPECT_EQ((hash<2, 4>(paper_key, "")), 0x726f'db47'dd0e'0e31ull);
    EXPECT_EQ((hash<2, 4>(paper_key, counting_bytes(15))), 0xa129'ca61'49be'45e5ull);
}

// The same rounds, fewer of them: checked against an independent implementation at lengths
// around the word boundaries.
TEST(siphash, siphash_1_3_at_each_length_class) {
    const struct {
        int length;
        std::uint64_t expected;
    } cases[] = {{0, 0xabac'0158'050f'c4dcull},  {7, 0xd392'7d98'9bb1'1140ull},  {8, 0x3690'9511'8d29'9a8eull},
                 {9, 0x25a4'8eb3'6c06'3de4ull},  {16, 0xcc4f'dd1a'7d90'8b66ull}, {17, 0x9cf2'6890'63db'd80cull},
                 {63, 0x9d19'9062'b7bb'b3a8ull}};
    for (const auto& c : cases) {
        EXPECT_EQ((hash<1, 3>(paper_key, counting_bytes(c.length))), c.expected) << c.length << " bytes";
    }
}

TEST(siphash, another_key_gives_another_hash) {
    const key other{paper_key.k0 ^ 1, paper_key.k1};
    EXPECT_NE((hash<1, 3>(paper_key, "kiwi.cs.ucla.edu")), (hash<1, 3>(other, "kiwi.cs.ucla.edu")));
    EXPECT_NE(random_key().k0, random_key().k0); // 2^-64 to fail by chance
}

} // namespace
} // namespace herd::siphash
