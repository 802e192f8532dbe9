#include "store/record_arena.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "store/room_for_one.hpp"

namespace herd::store {

record_arena::record_arena(std::size_t chunk_limit)
    : chunk_limit_(std::min(chunk_limit, max_chunks)), free_by_units_(units_of(small_bytes) + 1, none) {}

record_arena::ref record_arena::next_free(ref block) const {
    ref next = none;
    std::memcpy(&next, data(block), sizeof next);
    return next;
}

void record_arena::set_next_free(ref block, ref next) { std::memcpy(data(block), &next, sizeof next); }

void record_arena::push_free(ref block, std::size_t units) {
    free_small_units_ += units;
    set_next_free(block, free_by_units_[units]);
    free_by_units_[units] = block;
}

record_arena::ref record_arena::allocate(std::size_t bytes) {
    if (bytes > small_bytes) {
        return allocate_large(bytes);
    }
    const std::size_t units = units_of(bytes);
    if (free_by_units_[units] != none) {
        const ref block = free_by_units_[units];
        free_by_units_[units] = next_free(block);
        free_small_units_ -= units;
        return block;
    }
    const std::size_t chunk_units = chunk_bytes / unit;
    if (chunks_.empty() || last_chunk_units_used_ + units > chunk_units) {
        if (chunks_.size() >= chunk_limit_) {
            throw std::bad_alloc();
        }
        // What may throw first (the chunk, room to list it), then what cannot.
        auto chunk = std::make_unique_for_overwrite<char[]>(chunk_bytes);
        make_room_for_one(chunks_);
        if (!chunks_.empty() && last_chunk_units_used_ < chunk_units) {
            // The old chunk's tail is a free block like any other.
            push_free(static_cast<ref>((chunks_.size() - 1) << chunk_units_bits | last_chunk_units_used_),
                      chunk_units - last_chunk_units_used_);
        }
        chunks_.push_back(std::move(chunk));
        last_chunk_units_used_ = 0;
    }
    const auto block = static_cast<ref>((chunks_.size() - 1) << chunk_units_bits | last_chunk_units_used_);
    last_chunk_units_used_ += units;
    return block;
}

record_arena::ref record_arena::allocate_large(std::size_t bytes) {
    auto memory = std::make_unique_for_overwrite<char[]>(bytes);
    ref index = 0;
    if (!free_large_.empty()) {
        index = free_large_.back();
        free_large_.pop_back();
        large_[index] = std::move(memory);
    } else {
        if (large_.size() == large_flag) {
            throw std::bad_alloc();
        }
        large_.push_back(std::move(memory));
        index = static_cast<ref>(large_.size() - 1);
    }
    large_bytes_held_ += bytes; // once the block is the arena's
    return index | large_flag;
}

void record_arena::release(ref block, std::size_t bytes) {
    if (block & large_flag) {
        free_large_.push_back(block & ~large_flag); // may throw: before anything changes
        large_[block & ~large_flag].reset();
        large_bytes_held_ -= bytes;
        return;
    }
    push_free(block, units_of(bytes));
}

} // namespace herd::store
