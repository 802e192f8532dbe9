#include "store/location_store.hpp"

namespace herd::store {

bool location_store::merge(std::string_view client_id, location_record record) {
    const auto found = slots_.find(client_id);
    if (found == slots_.end()) {
        slots_.emplace(std::string(client_id), static_cast<std::uint32_t>(records_.size()));
        records_.push_back(std::move(record));
        return true;
    }
    location_record& kept = records_[found->second];
    if (!supersedes(record, kept)) {
        return false;
    }
    kept = std::move(record);
    return true;
}

const location_record* location_store::find(std::string_view client_id) const {
    const auto found = slots_.find(client_id);
    return found == slots_.end() ? nullptr : &records_[found->second];
}

} // namespace herd::store
