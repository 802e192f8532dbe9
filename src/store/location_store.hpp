#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <string_view>
#include <vector>

#include "store/client_index.hpp"
#include "store/kept_record.hpp"
#include "store/location_record.hpp"
#include "store/record_arena.hpp"

namespace herd::store {

// A client ID with its two hashes, so that the several look-ups of one received update
// (prefetch, holds, merge) hash the ID once. Make one with location_store::key_of() (debug
// builds assert that a look-up's key has the right hashes).
struct client_key {
    std::string_view id;
    std::uint64_t hash = 0;       // the same on every member: picks the bucket
    std::uint64_t index_hash = 0; // keyed with this process's own secret key: picks the index entry
};

// Thrown by location_store::merge when keeping a record would take the store past its
// store_limits::max_bytes.
class store_full : public std::bad_alloc {
public:
    const char* what() const noexcept override { return "the store is full (limits.store_mib)"; }
};

struct store_limits {
    // The most the records may cost, each counted as location_store::record_cost() says.
    std::size_t max_bytes = std::numeric_limits<std::size_t>::max();
    // The most 1 MiB chunks the arena may take, up to the most it can name (for tests: a small
    // arena runs out of memory).
    std::size_t arena_chunks = std::numeric_limits<std::size_t>::max();
};

// Client ID -> newest record. Records never move between slots: slot i holds the same
// client for the store's lifetime, so a reader can walk slots 0..size() across awaits
// (a link's catch-up does) while records are added and replaced. A record costs its block in
// the arena (6 bytes and the AT line, to 4 bytes), 4 bytes for its slot, 1 for its bucket
// and 10-20 for the index. Free blocks are kept below the records' own size (or 16 MiB) by
// compacting the arena. Not thread-safe: owned by one event loop.
class location_store {
public:
    location_store() = default;
    explicit location_store(store_limits limits) : limits_(limits), arena_(limits.arena_chunks) {}

    // What a record with an AT line of `at_line_bytes` counts against store_limits::max_bytes:
    // the line and, on average, what else it costs (its block's header and rounding, its
    // slot, its index entry).
    static constexpr std::size_t record_cost(std::size_t at_line_bytes) { return at_line_bytes + 32; }

    // The key of `client_id` (a view: it must outlive the key's use). Its index hash is
    // SipHash-1-3 under a random key of the process's, so IDs a client chooses to collide in
    // the bucket hash (which every member computes alike, and anyone can) spread over the
    // index like any others.
    static client_key key_of(std::string_view client_id);

    // Keeps a copy of `record` (for the client its AT line names) when the client is unknown
    // or it replaces the kept one (store::replaces, for a report `from` a client or a link).
    // Returns true when the store changed. Throws, changing nothing, store_full when the record
    // would take the store past store_limits::max_bytes (a new client, or a kept record that
    // grows; never a record that is not kept), or std::bad_alloc when memory runs out.
    // `record.client_time_ns` must be the time its AT line carries (as parsing the line gives).
    // `client` is the key of record.client_id(), for a caller that has hashed it already: its
    // ID must view that field of record.at_line, not a copy.
    bool merge(record_ref record, const client_key& client, report_from from = report_from::link);
    bool merge(record_ref record, report_from from = report_from::link) {
        return merge(record, key_of(record.client_id()), from);
    }

    // The kept record, or nothing. Valid until the next merge().
    std::optional<kept_record> find(std::string_view client_id) const;

    // True when the record kept for `client` is `at_line`, byte for byte: merging it again
    // would change nothing. Cheaper than checking the line first (kept lines were checked).
    bool holds(std::string_view at_line, const client_key& client) const;

    // Starts fetching the index entry a merge or holds of `client` reads first, so that a
    // caller with other work to do before it (the next line of a batch) does not wait for it.
    void prefetch(const client_key& client) const;

    std::size_t size() const { return slots_.size(); }
    // What the records cost, as record_cost() counts them: at most store_limits::max_bytes.
    std::size_t cost() const { return cost_; }
    // How many merges threw (store_full or std::bad_alloc) in this store's life.
    std::uint64_t refusals() const { return refusals_; }
    // Bytes the records' arena holds from the system (for tests and accounting).
    std::size_t arena_bytes_held() const { return arena_.bytes_held(); }

    // The record in slot `i` (i < size()). Valid until the next merge().
    kept_record slot(std::size_t i) const { return kept_record(arena_.data(slots_[i])); }

    // Clients fall into bucket_count buckets by a hash of their ID that every member computes
    // alike. A bucket's digest is the XOR of a hash of each of its records' AT lines: two
    // members hold the same records in a bucket exactly when (barring a 64-bit collision) its
    // digests agree, whatever order they learned them in. Kept up to date by merge().
    static constexpr std::size_t bucket_count = 256;
    static std::size_t bucket_of(std::string_view client_id);
    std::uint64_t bucket_digest(std::size_t bucket) const { return digests_[bucket]; }
    // The bucket of the record in slot `i` (i < size()).
    std::size_t slot_bucket(std::size_t i) const { return slot_buckets_[i]; }

private:
    static std::size_t bucket_of_hash(std::uint64_t id_hash) {
        return static_cast<std::size_t>(id_hash % bucket_count);
    }
    // merge(), but for counting what it throws.
    bool merge_or_throw(record_ref record, const client_key& client, report_from from);
    // Throws store_full unless the records may cost `more` bytes more.
    void check_room_for(std::size_t more) const;
    // The slot of `client`, or nothing.
    std::optional<std::uint32_t> find_slot(const client_key& client) const;
    // A block in the arena holding `record`.
    record_arena::ref keep(record_ref record, std::string_view client_id);
    // After a record moved to a block of another size: compacts when the arena's free blocks
    // outweigh its records (and compaction_floor_bytes). A freed block is reused only by a
    // block of its own size, so records that keep changing size (a client padding its time
    // with one more digit each report) would otherwise leave the arena holding every size
    // they ever had. Compaction copies every record once, so its cost is at most the bytes
    // freed since the last one.
    void compact_if_wasteful();
    // Copies every record into a fresh arena, in slot order. Throws std::bad_alloc, changing
    // nothing, when memory runs out.
    void compact();

    static constexpr std::size_t compaction_floor_bytes = 16 * 1024 * 1024;
    std::size_t next_compaction_free_bytes_ = 0; // after a compaction that ran out of memory

    store_limits limits_;
    std::size_t cost_ = 0; // of every record kept, by record_cost()
    std::uint64_t refusals_ = 0;
    client_index index_;
    record_arena arena_;
    std::vector<record_arena::ref> slots_;   // slot -> the record's block
    std::vector<std::uint8_t> slot_buckets_; // slot -> the record's bucket
    std::array<std::uint64_t, bucket_count> digests_{};
};
static_assert(location_store::bucket_count <= 256, "a slot's bucket is one byte");

} // namespace herd::store
