#include "store/location_store.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>

#include "common/byte_words.hpp"
#include "common/siphash.hpp"
#include "store/room_for_one.hpp"

namespace herd::store {

namespace {

// A 64-bit hash of `bytes`, eight at a time: the same on every member, build and CPU (the
// words are read little-endian). Each step, (h ^ word) * odd constant then an xor-shift, is a
// bijection of h, so lines that differ in one word never collide; murmur3's finaliser
// spreads the last word over every bit. Part of the peer protocol: changing it changes digests.
std::uint64_t digest_hash(std::string_view bytes) {
    constexpr std::uint64_t multiplier = 0x9e37'79b9'7f4a'7c15ull;
    std::uint64_t h = 0x243f'6a88'85a3'08d3ull ^ bytes.size();
    const auto step = [&h](std::uint64_t word) {
        h = (h ^ word) * multiplier;
        h ^= h >> 31;
    };
    const auto byte = [&bytes](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(bytes[i])}; };
    std::size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
        step(byte_words::load(bytes.data() + i));
    }
    if (i < bytes.size()) {
        std::uint64_t word = 0;
        for (std::size_t shift = 0; i < bytes.size(); ++i, shift += 8) {
            word |= byte(i) << shift;
        }
        step(word);
    }
    h ^= h >> 33;
    h *= 0xff51'afd7'ed55'8ccdull;
    h ^= h >> 33;
    return h;
}

std::uint64_t index_hash(std::string_view client_id) {
    static const siphash::key key = siphash::random_key();
    return siphash::hash<1, 3>(key, client_id);
}

} // namespace

std::size_t location_store::bucket_of(std::string_view client_id) {
    return bucket_of_hash(digest_hash(client_id));
}

client_key location_store::key_of(std::string_view client_id) {
    return {client_id, digest_hash(client_id), index_hash(client_id)};
}

std::optional<std::uint32_t> location_store::find_slot(const client_key& client) const {
    assert(client.hash == digest_hash(client.id) && client.index_hash == index_hash(client.id)); // by key_of
    return index_.find(client.id, client.index_hash, [this](std::uint32_t slot) { return this->slot(slot).client_id(); });
}

record_arena::ref location_store::keep(record_ref record, std::string_view client_id) {
    const record_arena::ref block = arena_.allocate(kept_record::block_bytes(record));
    kept_record::write(arena_.data(block), record, client_id);
    return block;
}

bool location_store::merge(record_ref record, const client_key& client, report_from from) {
    try {
        return merge_or_throw(record, client, from);
    } catch (const std::bad_alloc&) {
        ++refusals_;
        throw;
    }
}

void location_store::check_room_for(std::size_t more) const {
    if (more > limits_.max_bytes - cost_) { // cost_ <= max_bytes always
        throw store_full();
    }
}

bool location_store::merge_or_throw(record_ref record, const client_key& client, report_from from) {
    assert(client.id.data() >= record.at_line.data() &&
           client.id.data() + client.id.size() <= record.at_line.data() + record.at_line.size());
    const std::size_t bucket = bucket_of_hash(client.hash);
    const auto found = find_slot(client);
    // Whatever may throw (a block, room for a slot, the index growing) comes before anything
    // changes, so a merge that throws (std::bad_alloc) leaves the store as it was.
    const std::size_t cost = record_cost(record.at_line.size());
    if (!found) {
        check_room_for(cost);
        const auto slot = static_cast<std::uint32_t>(slots_.size());
        const record_arena::ref block = keep(record, client.id);
        try {
            make_room_for_one(slots_);
            make_room_for_one(slot_buckets_);
            index_.insert(client.index_hash, slot); // changes nothing when it throws
        } catch (...) {
            arena_.release(block, kept_record::block_bytes(record));
            throw;
        }
        slots_.push_back(block);
        slot_buckets_.push_back(static_cast<std::uint8_t>(bucket));
        digests_[bucket] ^= digest_hash(record.at_line);
        cost_ += cost;
        return true;
    }
    const kept_record kept = slot(*found);
    if (!replaces(record, kept.ref(), from)) {
        return false;
    }
    const std::size_t kept_cost = record_cost(kept.at_line().size());
    if (cost > kept_cost) {
        check_room_for(cost - kept_cost);
    }
    const std::uint64_t kept_hash = digest_hash(kept.at_line()); // before the line is overwritten
    record_arena::ref& block = slots_[*found];
    const std::size_t kept_bytes = kept.block_bytes();
    const bool in_place = record_arena::same_room(kept_bytes, kept_record::block_bytes(record));
    if (in_place) {
        kept_record::write(arena_.data(block), record, client.id);
    } else {
        const record_arena::ref fresh = keep(record, client.id);
        arena_.release(block, kept_bytes);
        block = fresh;
    }
    digests_[bucket] ^= kept_hash ^ digest_hash(record.at_line);
    cost_ = cost_ - kept_cost + cost;
    if (!in_place) {
        compact_if_wasteful();
    }
    return true;
}

void location_store::compact_if_wasteful() {
    const std::size_t free = arena_.free_small_bytes();
    if (free < std::max({compaction_floor_bytes, arena_.small_bytes_in_use(), next_compaction_free_bytes_})) {
        return;
    }
    try {
        compact();
        next_compaction_free_bytes_ = 0;
    } catch (const std::bad_alloc&) {
        next_compaction_free_bytes_ = 2 * free; // the merge stands; try again when twice as much is free
    }
}

void location_store::compact() {
    record_arena fresh(arena_.chunk_limit());
    std::vector<record_arena::ref> moved;
    moved.reserve(slots_.size());
    for (const record_arena::ref block : slots_) {
        const std::size_t bytes = kept_record(arena_.data(block)).block_bytes();
        const record_arena::ref copy = fresh.allocate(bytes);
        std::memcpy(fresh.data(copy), arena_.data(block), bytes);
        moved.push_back(copy);
    }
    arena_ = std::move(fresh); // nothing above changed the store: a throw leaves it whole
    slots_ = std::move(moved);
}

void location_store::prefetch(const client_key& client) const {
    assert(client.index_hash == index_hash(client.id));
    index_.prefetch(client.index_hash);
}

std::optional<kept_record> location_store::find(std::string_view client_id) const {
    const auto found = find_slot(key_of(client_id));
    return found ? std::optional<kept_record>(slot(*found)) : std::nullopt;
}

bool location_store::holds(std::string_view at_line, const client_key& client) const {
    const auto found = find_slot(client);
    return found && slot(*found).at_line() == at_line;
}

} // namespace herd::store
