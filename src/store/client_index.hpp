#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace herd::store {

// Client ID -> slot number, for the store. Open addressing with linear probing over 8-byte
// entries (a 32-bit hash tag and the slot), so a probe touches no record unless the tags
// match; the IDs themselves live in the records, and `id_of(slot)` reads them back. Grows
// by doubling past 80% full. Clients are never removed. The hashes must be ones a client cannot
// aim (keyed: location_store::key_of), or IDs chosen to share a probe region would make each
// look-up walk all of them.
class client_index {
public:
    // The slot of `id`, whose 64-bit hash (a keyed function of the ID, the same every time) is
    // `h`, or nothing.
    template <typename IdOf>
    std::optional<std::uint32_t> find(std::string_view id, std::uint64_t h, const IdOf& id_of) const {
        if (entries_.empty()) {
            return std::nullopt;
        }
        const std::uint32_t tag = tag_of(h);
        for (std::size_t at = position(tag);; at = (at + 1) & mask()) {
            const std::uint64_t entry = entries_[at];
            if (entry == empty) {
                return std::nullopt;
            }
            if (entry >> 32 == tag && id_of(slot_of(entry)) == id) {
                return slot_of(entry);
            }
        }
    }

    // Adds `slot` for an ID that is not in the index yet, whose hash is `h`.
    void insert(std::uint64_t h, std::uint32_t slot);

    // Asks the CPU to fetch the entry where find(id, h) starts, without waiting for it.
    void prefetch(std::uint64_t h) const {
        if (!entries_.empty()) {
            __builtin_prefetch(&entries_[position(tag_of(h))]);
        }
    }

    std::size_t size() const { return size_; }
    // Bytes held, for memory accounting.
    std::size_t capacity_bytes() const { return entries_.capacity() * sizeof(std::uint64_t); }

private:
    static constexpr std::uint64_t empty = ~std::uint64_t{0};
    static std::uint32_t tag_of(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 32); }
    static std::uint32_t slot_of(std::uint64_t entry) { return static_cast<std::uint32_t>(entry); }
    // Where a tag's probe starts: from its own bits, so growing needs no ID.
    std::size_t position(std::uint32_t tag) const { return tag & mask(); }
    std::size_t mask() const { return entries_.size() - 1; }
    void place(std::uint64_t entry);
    void grow();

    std::vector<std::uint64_t> entries_; // a power of two of them, or none
    std::size_t size_ = 0;
};

} // namespace herd::store
