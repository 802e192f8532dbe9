#pragma once

#include <string>
#include <string_view>

#include "geo/timestamp.hpp"

namespace herd::store {

// What the merge rule looks at: the client's time and the whole AT line.
struct record_ref {
    geo::nanoseconds client_time_ns = 0;
    std::string_view at_line;

    // The member that received the IAMAT (the AT line's second field).
    std::string_view origin() const;
};

// True when `candidate` should replace `kept`: its client time is strictly newer or,
// at the same time, its origin name sorts higher (then, at the same origin, its AT line
// does). The one merge rule of the herd: a total order, so every member converges.
bool supersedes(record_ref candidate, record_ref kept);

// A report of one client as it arrives at the store (from an IAMAT or a neighbour).
struct location_record {
    std::string at_line;                 // the whole AT line, byte for byte, no line ending
    geo::nanoseconds client_time_ns = 0; // the client's own time of the report

    record_ref ref() const { return {client_time_ns, at_line}; }
    std::string_view origin() const { return ref().origin(); }
    // The client the report is about (the AT line's fourth field).
    std::string_view client_id() const;
};

} // namespace herd::store
