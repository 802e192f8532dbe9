#pragma once

#include <string>
#include <string_view>

#include "geo/coordinates.hpp"
#include "geo/timestamp.hpp"

namespace herd::store {

// The newest known report of one client, as its receiving member answered it.
struct location_record {
    std::string at_line;                 // the whole AT line, byte for byte, no line ending
    geo::nanoseconds client_time_ns = 0; // the client's own time of the report
    geo::coordinates position;

    // The member that received the IAMAT (the AT line's second field).
    std::string_view origin() const;
};

// True when `candidate` should replace `kept`: its client time is strictly newer or,
// at the same time, its origin name sorts higher (then, at the same origin, its AT line
// does). The one merge rule of the herd: a total order, so every member converges.
bool supersedes(const location_record& candidate, const location_record& kept);

} // namespace herd::store
