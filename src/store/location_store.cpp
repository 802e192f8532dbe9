#include "store/location_store.hpp"

#include "protocol/reply.hpp"

namespace herd::store {

std::string_view location_record::origin() const { return protocol::at_line_origin(at_line); }

bool supersedes(const location_record& candidate, const location_record& kept) {
    if (candidate.client_time_ns != kept.client_time_ns) {
        return candidate.client_time_ns > kept.client_time_ns;
    }
    if (candidate.origin() != kept.origin()) {
        return candidate.origin() > kept.origin();
    }
    // Same time, same origin: the member saw two reports with one client time. Any fixed
    // order keeps members equal whatever order they hear the two in; the bytes give one.
    return candidate.at_line > kept.at_line;
}

bool location_store::merge(std::string_view client_id, location_record record) {
    const auto found = records_.find(client_id);
    if (found == records_.end()) {
        records_.emplace(std::string(client_id), std::move(record));
        return true;
    }
    if (!supersedes(record, found->second)) {
        return false;
    }
    found->second = std::move(record);
    return true;
}

const location_record* location_store::find(std::string_view client_id) const {
    const auto found = records_.find(client_id);
    return found == records_.end() ? nullptr : &found->second;
}

} // namespace herd::store
