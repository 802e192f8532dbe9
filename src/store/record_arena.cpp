#include "store/record_arena.hpp"

#include <cstring>
#include <new>

namespace herd::store {

record_arena::ref record_arena::next_free(ref block) const {
    ref next = none;
    std::memcpy(&next, data(block), sizeof next);
    return next;
}

void record_arena::set_next_free(ref block, ref next) { std::memcpy(data(block), &next, sizeof next); }

void record_arena::push_free(ref block, std::size_t units) {
    if (free_by_units_.size() <= units) {
        free_by_units_.resize(units + 1, none);
    }
    set_next_free(block, free_by_units_[units]);
    free_by_units_[units] = block;
}

record_arena::ref record_arena::allocate(std::size_t bytes) {
    if (bytes > small_bytes) {
        return allocate_large(bytes);
    }
    const std::size_t units = units_of(bytes);
    if (units < free_by_units_.size() && free_by_units_[units] != none) {
        const ref block = free_by_units_[units];
        free_by_units_[units] = next_free(block);
        return block;
    }
    const std::size_t chunk_units = chunk_bytes / unit;
    if (chunks_.empty() || last_chunk_units_used_ + units > chunk_units) {
        if (chunks_.size() == max_chunks) {
            throw std::bad_alloc();
        }
        if (!chunks_.empty() && last_chunk_units_used_ < chunk_units) {
            // The old chunk's tail is a free block like any other.
            push_free(static_cast<ref>((chunks_.size() - 1) << chunk_units_bits | last_chunk_units_used_),
                      chunk_units - last_chunk_units_used_);
        }
        chunks_.push_back(std::make_unique_for_overwrite<char[]>(chunk_bytes));
        last_chunk_units_used_ = 0;
    }
    const auto block = static_cast<ref>((chunks_.size() - 1) << chunk_units_bits | last_chunk_units_used_);
    last_chunk_units_used_ += units;
    return block;
}

record_arena::ref record_arena::allocate_large(std::size_t bytes) {
    auto memory = std::make_unique_for_overwrite<char[]>(bytes);
    large_bytes_held_ += bytes;
    if (!free_large_.empty()) {
        const ref index = free_large_.back();
        free_large_.pop_back();
        large_[index] = std::move(memory);
        return index | large_flag;
    }
    if (large_.size() == large_flag) {
        throw std::bad_alloc();
    }
    large_.push_back(std::move(memory));
    return static_cast<ref>(large_.size() - 1) | large_flag;
}

void record_arena::release(ref block, std::size_t bytes) {
    if (block & large_flag) {
        large_[block & ~large_flag].reset();
        large_bytes_held_ -= bytes;
        free_large_.push_back(block & ~large_flag);
        return;
    }
    push_free(block, units_of(bytes));
}

} // namespace herd::store
