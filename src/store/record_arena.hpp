#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace herd::store {

// Memory for the store's records, without malloc's per-block cost (a size word, and rounding
// to 16 bytes): blocks up to `small_bytes` are carved from 1 MiB chunks at 4-byte granularity,
// and a released block goes on a list of free blocks of its size, which the next block of
// that size reuses (a client's records are mostly the same size, so a replaced record's
// block is usually taken again at once). Larger blocks are allocated one by one. A block is
// named by a 32-bit reference, so a record costs its owner 4 bytes to point at. Holds up to
// 8 GiB of small blocks; allocate() throws std::bad_alloc past that, as `new` would, and an
// allocate() that throws changes nothing.
// Memory is returned to the system only when the arena is destroyed. Not thread-safe.
class record_arena {
public:
    using ref = std::uint32_t;
    static constexpr std::size_t small_bytes = 4096;

    // At most `chunk_limit` 1 MiB chunks of small blocks (fewer than the most a reference can
    // name only in tests, to reach the limit).
    explicit record_arena(std::size_t chunk_limit = max_chunks);

    // A block of `bytes` (> 0), 4-byte aligned, its contents unspecified.
    ref allocate(std::size_t bytes);
    // Gives back `block`, which allocate(bytes) returned, with the same `bytes`. Throws
    // std::bad_alloc, changing nothing, when it cannot list a large block as free.
    void release(ref block, std::size_t bytes);

    // True when blocks of `a` and `b` bytes take the same room, so either may be written
    // where the other was allocated (and then released with either size).
    static bool same_room(std::size_t a, std::size_t b) {
        return a == b || (a <= small_bytes && b <= small_bytes && units_of(a) == units_of(b));
    }

    char* data(ref block) {
        if (block & large_flag) {
            return large_[block & ~large_flag].get();
        }
        return chunks_[block >> chunk_units_bits].get() + std::size_t{block & chunk_units_mask} * unit;
    }
    const char* data(ref block) const { return const_cast<record_arena*>(this)->data(block); }

    // Bytes held from the system for blocks, free or not (for tests and accounting).
    std::size_t bytes_held() const { return chunks_.size() * chunk_bytes + large_bytes_held_; }
    // Bytes of small blocks on the free lists: held, and usable only by blocks of their sizes.
    std::size_t free_small_bytes() const { return free_small_units_ * unit; }
    // Bytes of small blocks in use: all that was carved from chunks, less what is free.
    std::size_t small_bytes_in_use() const {
        const std::size_t carved = chunks_.empty() ? 0 : (chunks_.size() - 1) * (chunk_bytes / unit) + last_chunk_units_used_;
        return (carved - free_small_units_) * unit;
    }
    std::size_t chunk_limit() const { return chunk_limit_; }

private:
    static constexpr std::size_t unit = 4;
    static constexpr unsigned chunk_units_bits = 18; // 2^18 units of 4 bytes: 1 MiB chunks
    static constexpr std::size_t chunk_bytes = (std::size_t{1} << chunk_units_bits) * unit;
    static constexpr ref chunk_units_mask = (ref{1} << chunk_units_bits) - 1;
    static constexpr ref large_flag = ref{1} << 31;
    static constexpr ref none = ~ref{0};
    static constexpr std::size_t max_chunks = std::size_t{1} << (31 - chunk_units_bits);

    static std::size_t units_of(std::size_t bytes) { return (bytes + unit - 1) / unit; }
    // A free block keeps, in its first 4 bytes, the next free block of its size.
    ref next_free(ref block) const;
    void set_next_free(ref block, ref next);
    void push_free(ref block, std::size_t units);
    ref allocate_large(std::size_t bytes);

    std::size_t chunk_limit_;
    std::vector<std::unique_ptr<char[]>> chunks_;
    std::size_t last_chunk_units_used_ = 0;
    std::vector<ref> free_by_units_; // [n]: the first free small block of n units, or none (sized once)
    std::vector<std::unique_ptr<char[]>> large_;
    std::vector<ref> free_large_; // indexes of large_ whose block was released
    std::size_t large_bytes_held_ = 0;
    std::size_t free_small_units_ = 0; // on the free lists, chunk tails included
};

} // namespace herd::store
