#include "store/client_index.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace herd::store {
namespace {

std::uint64_t hash_of(std::string_view id) {
    return std::hash<std::string_view>{}(id);
}

TEST(client_index, ids_whose_hashes_collide_are_told_apart_by_their_bytes) {
    const std::vector<std::string> ids{"one", "two", "three"};
    const auto id_of = [&](std::uint32_t slot) { return std::string_view(ids[slot]); };
    client_index index;
    constexpr std::uint64_t same = 0x1234'5678'9abc'def0;
    for (std::uint32_t slot = 0; slot < ids.size(); ++slot) {
        index.insert(same, slot);
    }
    EXPECT_EQ(index.find("one", same, id_of), 0u);
    EXPECT_EQ(index.find("two", same, id_of), 1u);
    EXPECT_EQ(index.find("three", same, id_of), 2u);
    EXPECT_EQ(index.find("four", same, id_of), std::nullopt);
    EXPECT_EQ(index.find("one", hash_of("one"), id_of), std::nullopt); // another tag, another place
}

TEST(client_index, finds_every_id_after_growing_and_nothing_else) {
    std::vector<std::string> ids;
    for (int i = 0; i < 50'000; ++i) {
        ids.push_back(fmt::format("id-{}", i));
    }
    const auto id_of = [&](std::uint32_t slot) { return std::string_view(ids[slot]); };
    client_index index;
    for (std::uint32_t slot = 0; slot < ids.size(); ++slot) {
        index.insert(hash_of(ids[slot]), slot);
    }
    EXPECT_EQ(index.size(), ids.size());
    EXPECT_LE(index.size() * 5, index.capacity_bytes() / sizeof(std::uint64_t) * 4); // at most 80% full
    for (std::uint32_t slot = 0; slot < ids.size(); ++slot) {
        ASSERT_EQ(index.find(ids[slot], hash_of(ids[slot]), id_of), slot) << ids[slot];
    }
    EXPECT_EQ(index.find("id-50000", hash_of("id-50000"), id_of), std::nullopt);
    EXPECT_EQ(client_index().find("id-1", hash_of("id-1"), id_of), std::nullopt); // empty index
}

} // namespace
} // namespace herd::store
