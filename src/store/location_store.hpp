#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "store/client_index.hpp"
#include "store/kept_record.hpp"
#include "store/location_record.hpp"

namespace herd::store {

// Client ID -> newest record. Records never move between slots: slot i holds the same
// client for the store's lifetime, so a reader can walk slots 0..size() across awaits
// (a link's catch-up does) while records are added and replaced. Not thread-safe: owned
// by one event loop.
class location_store {
public:
    // Keeps `record` (for the client its AT line names) when the client is unknown or it
    // supersedes the kept one. Returns true when the store changed.
    bool merge(const location_record& record);

    // The kept record, or nullptr. Valid until the next merge().
    const kept_record* find(std::string_view client_id) const;

    std::size_t size() const { return records_.size(); }

    // The record in slot `i` (i < size()). Valid until the next merge().
    const kept_record& slot(std::size_t i) const { return records_[i]; }

    // Clients fall into bucket_count buckets by a hash of their ID that every member computes
    // alike. A bucket's digest is the XOR of a hash of each of its records' AT lines: two
    // members hold the same records in a bucket exactly when (barring a 64-bit collision) its
    // digests agree, whatever order they learned them in. Kept up to date by merge().
    static constexpr std::size_t bucket_count = 256;
    static std::size_t bucket_of(std::string_view client_id);
    std::uint64_t bucket_digest(std::size_t bucket) const { return digests_[bucket]; }
    // The slots of a bucket's records; only ever appended to.
    const std::vector<std::uint32_t>& bucket_slots(std::size_t bucket) const { return bucket_slots_[bucket]; }

private:
    static std::size_t bucket_of_hash(std::uint64_t id_hash) {
        return static_cast<std::size_t>(id_hash % bucket_count);
    }
    // The slot of `client_id`, whose hash is `hash`, or nothing.
    std::optional<std::uint32_t> find_slot(std::string_view client_id, std::uint64_t hash) const;

    client_index index_;
    std::vector<kept_record> records_;
    std::array<std::uint64_t, bucket_count> digests_{};
    std::array<std::vector<std::uint32_t>, bucket_count> bucket_slots_;
};

} // namespace herd::store
