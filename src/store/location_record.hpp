#pragma once

#include <string>
#include <string_view>

#include "geo/timestamp.hpp"

namespace herd::store {

// A report of one client, viewed: the client's time and the whole AT line (what the merge
// rule looks at). The line's owner keeps it alive.
struct record_ref {
    geo::nanoseconds client_time_ns = 0;
    std::string_view at_line;

    // The member that received the IAMAT (the AT line's second field).
    std::string_view origin() const;
    // The client the report is about (the AT line's fourth field).
    std::string_view client_id() const;
};

// True when `candidate` should replace `kept`: its client time is strictly newer or,
// at the same time, its origin name sorts higher (then, at the same origin, its AT line
// does). The one merge rule of the herd: a total order, so every member converges.
bool supersedes(record_ref candidate, record_ref kept);

// Where a report comes from. A client's IAMAT, at the member that received it, replaces the
// kept record only when PROTOCOL.md's letter says so: a newer client time, or at the same
// time a higher origin. So a client repeating a time to one member changes nothing there
// (and is not flooded); the last step of supersedes is for records heard from links, which
// is how a member that kept the other of two such reports (it restarted between them)
// still converges with the rest.
enum class report_from { client, link };

// supersedes, but for a report `from` a client, false at the kept record's time and origin.
bool replaces(record_ref candidate, record_ref kept, report_from from);

// A report of one client that owns its AT line (a member's own IAMAT reply, tests).
struct location_record {
    std::string at_line;                 // the whole AT line, byte for byte, no line ending
    geo::nanoseconds client_time_ns = 0; // the client's own time of the report

    operator record_ref() const { return {client_time_ns, at_line}; } // usable wherever a view is
    std::string_view origin() const { return record_ref(*this).origin(); }
    std::string_view client_id() const { return record_ref(*this).client_id(); }
};

} // namespace herd::store
