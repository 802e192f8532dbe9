#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "geo/coordinates.hpp"
#include "geo/timestamp.hpp"

namespace herd::store {

// The newest known report of one client, as its receiving member answered it.
struct location_record {
    std::string at_line;                // the whole AT line, byte for byte, no line ending
    geo::nanoseconds client_time_ns = 0; // the client's own time of the report
    geo::coordinates position;

    // The member that received the IAMAT (the AT line's second field).
    std::string_view origin() const;
};

// True when `candidate` should replace `kept`: its client time is strictly newer or,
// at the same time, its origin name sorts higher (then, at the same origin, its AT line
// does). The one merge rule of the herd: a total order, so every member converges.
bool supersedes(const location_record& candidate, const location_record& kept);

// Client ID -> newest record. Not thread-safe: owned by one event loop.
class location_store {
public:
    // Keeps `record` when the client is unknown or it supersedes the kept one.
    // Returns true when the store changed.
    bool merge(std::string_view client_id, location_record record);

    // The kept record, or nullptr. Valid until the next merge().
    const location_record* find(std::string_view client_id) const;

    std::size_t size() const { return records_.size(); }

private:
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, location_record, string_hash, std::equal_to<>> records_;
};

} // namespace herd::store
