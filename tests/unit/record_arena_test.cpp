#include "store/record_arena.hpp"

#include <cstring>
#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace herd::store {
namespace {

TEST(record_arena, a_released_block_is_reused_by_the_next_block_of_its_size_only) {
    record_arena arena;
    const auto a = arena.allocate(84);
    const auto b = arena.allocate(84);
    EXPECT_NE(a, b);
    arena.release(a, 84);
    const auto c = arena.allocate(100); // another size: fresh memory
    EXPECT_NE(c, a);
    EXPECT_EQ(arena.allocate(82), a); // the same room (21 units of 4 bytes)
    EXPECT_NE(arena.allocate(84), a);
}

TEST(record_arena, blocks_are_aligned_and_small_ones_come_from_1_MiB_chunks) {
    record_arena arena;
    EXPECT_EQ(arena.bytes_held(), 0u);
    for (int i = 0; i < 1000; ++i) {
        const auto block = arena.allocate(static_cast<std::size_t>(1 + i % 97));
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(arena.data(block)) % 4, 0u);
    }
    EXPECT_EQ(arena.bytes_held(), std::size_t{1} << 20);
}

TEST(record_arena, same_room_means_the_same_4_byte_units) {
    EXPECT_TRUE(record_arena::same_room(84, 81));
    EXPECT_FALSE(record_arena::same_room(84, 85));
    EXPECT_TRUE(record_arena::same_room(5000, 5000));
    EXPECT_FALSE(record_arena::same_room(5000, 4999)); // large blocks are exactly their size
}

TEST(record_arena, large_blocks_are_held_alone_and_given_back) {
    record_arena arena;
    const auto big = arena.allocate(100'000);
    EXPECT_EQ(arena.bytes_held(), 100'000u);
    std::memset(arena.data(big), 'x', 100'000);
    arena.release(big, 100'000);
    EXPECT_EQ(arena.bytes_held(), 0u);
    const auto again = arena.allocate(record_arena::small_bytes + 1);
    EXPECT_EQ(arena.bytes_held(), record_arena::small_bytes + 1);
    EXPECT_EQ(again, big); // its index is reused
}

// Random sizes, random releases, across several chunks: every live block keeps its bytes.
// What compaction weighs: bytes in use and bytes free, a chunk's unused tail counted free once
// a new chunk is begun.
TEST(record_arena, counts_the_bytes_in_use_and_the_bytes_free) {
    record_arena arena;
    EXPECT_EQ(arena.small_bytes_in_use(), 0u);
    const auto a = arena.allocate(100);
    const auto b = arena.allocate(6); // 8 bytes: two units
    EXPECT_EQ(arena.small_bytes_in_use(), 108u);
    EXPECT_EQ(arena.free_small_bytes(), 0u);
    arena.release(a, 100);
    EXPECT_EQ(arena.small_bytes_in_use(), 8u);
    EXPECT_EQ(arena.free_small_bytes(), 100u);
    arena.allocate(100); // reuses a's block
    EXPECT_EQ(arena.small_bytes_in_use(), 108u);
    EXPECT_EQ(arena.free_small_bytes(), 0u);
    // Fill the first chunk with 4,096-byte blocks while they fit (3,988 bytes are left), then
    // ask for one more: a new chunk, and the first one's tail goes on a free list.
    std::size_t used = 108;
    while (used + 4096 <= (std::size_t{1} << 20)) {
        arena.allocate(4096);
        used += 4096;
    }
    const std::size_t tail = (std::size_t{1} << 20) - used;
    arena.allocate(4096);
    EXPECT_EQ(arena.bytes_held(), std::size_t{2} << 20);
    EXPECT_EQ(arena.free_small_bytes(), tail);
    EXPECT_EQ(arena.small_bytes_in_use(), used + 4096);
    arena.release(b, 6);
    EXPECT_EQ(arena.small_bytes_in_use(), used + 4096 - 8);
}

TEST(record_arena, live_blocks_keep_their_bytes_whatever_is_allocated_and_released) {
    record_arena arena;
    std::mt19937 random(7);
    std::map<record_arena::ref, std::string> live;
    for (int step = 0; step < 60'000; ++step) {
        if (!live.empty() && random() % 3 == 0) {
            auto victim = live.begin();
            std::advance(victim, static_cast<long>(random() % std::min<std::size_t>(live.size(), 16)));
            ASSERT_EQ(std::string(arena.data(victim->first), victim->second.size()), victim->second);
            arena.release(victim->first, victim->second.size());
            live.erase(victim);
            continue;
        }
        const std::size_t bytes = random() % 50 == 0 ? 4097 + random() % 5000 : 4 + random() % 200;
        std::string content(bytes, static_cast<char>('a' + step % 26));
        const auto block = arena.allocate(bytes);
        ASSERT_FALSE(live.contains(block)) << "handed out twice";
        std::memcpy(arena.data(block), content.data(), bytes);
        live.emplace(block, std::move(content));
    }
    EXPECT_GT(arena.bytes_held(), std::size_t{2} << 20);
    for (const auto& [block, content] : live) {
        ASSERT_EQ(std::string(arena.data(block), content.size()), content);
    }
}

} // namespace
} // namespace herd::store
