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

bool location_store::merge(std::string_view client_id, location_record record) {
    const std::size_t bucket = bucket_of(client_id);
    const auto found = slots_.find(client_id);
    if (found == slots_.end()) {
        const auto slot = static_cast<std::uint32_t>(records_.size());
        slots_.emplace(std::string(client_id), slot);
        digests_[bucket] ^= fnv1a(record.at_line);
        bucket_slots_[bucket].push_back(slot);
        records_.push_back(std::move(record));
        return true;
    }
    location_record& kept = records_[found->second];
    if (!supersedes(record, kept)) {
        return false;
    }
    digests_[bucket] ^= fnv1a(kept.at_line) ^ fnv1a(record.at_line);
    kept = std::move(record);
    return true;
}

const location_record* location_store::find(std::string_view client_id) const {
    const auto found = slots_.find(client_id);
    return found == slots_.end() ? nullptr : &records_[found->second];
}

} // namespace herd::store
