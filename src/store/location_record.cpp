#include "store/location_record.hpp"

#include "protocol/reply.hpp"

namespace herd::store {

std::string_view record_ref::origin() const { return protocol::at_line_origin(at_line); }

std::string_view record_ref::client_id() const {
    return protocol::at_line_field(at_line, protocol::at_client_id_field);
}

bool supersedes(record_ref candidate, record_ref kept) {
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

bool replaces(record_ref candidate, record_ref kept, report_from from) {
    if (from == report_from::client && candidate.client_time_ns == kept.client_time_ns &&
        candidate.origin() == kept.origin()) {
        return false; // a repeat: not newer, as PROTOCOL.md reads
    }
    return supersedes(candidate, kept);
}

} // namespace herd::store
