#include "store/location_record.hpp"

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

} // namespace herd::store
