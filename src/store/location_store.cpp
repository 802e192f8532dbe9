#include "store/location_store.hpp"

namespace herd::store {

namespace {

// FNV-1a, 64-bit: the same on every member and every build.
std::uint64_t fnv1a(std::string_view bytes) {
    std::uint64_t hash = 14695981039346656037ull;
    for (const char c : bytes) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    return hash;
}

} // namespace

std::size_t location_store::bucket_of(std::string_view client_id) {
    return static_cast<std::size_t>(fnv1a(client_id) % bucket_count);
}

bool location_store::merge(const location_record& record) {
    const std::string_view client_id = record.client_id();
    const std::size_t bucket = bucket_of(client_id);
    const std::uint64_t hash = client_index::hash(client_id);
    const auto id_of = [this](std::uint32_t slot) { return this->id_of(slot); };
    const auto found = index_.find(client_id, hash, id_of);
    if (!found) {
        const auto slot = static_cast<std::uint32_t>(records_.size());
        records_.emplace_back(record);
        index_.insert(hash, slot);
        digests_[bucket] ^= fnv1a(record.at_line);
        bucket_slots_[bucket].push_back(slot);
        return true;
    }
    kept_record& kept = records_[*found];
    if (!supersedes(record.ref(), kept.ref())) {
        return false;
    }
    digests_[bucket] ^= fnv1a(kept.at_line()) ^ fnv1a(record.at_line);
    kept = kept_record(record);
    return true;
}

const kept_record* location_store::find(std::string_view client_id) const {
    const auto found =
        index_.find(client_id, client_index::hash(client_id), [this](std::uint32_t slot) { return id_of(slot); });
    return found ? &records_[*found] : nullptr;
}

} // namespace herd::store
