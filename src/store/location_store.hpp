#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/location_record.hpp"

namespace herd::store {

// Client ID -> newest record. Records never move between slots: slot i holds the same
// client for the store's lifetime, so a reader can walk slots 0..size() across awaits
// (a link's catch-up does) while records are added and replaced. Not thread-safe: owned
// by one event loop.
class location_store {
public:
    // Keeps `record` when the client is unknown or it supersedes the kept one.
    // Returns true when the store changed.
    bool merge(std::string_view client_id, location_record record);

    // The kept record, or nullptr. Valid until the next merge().
    const location_record* find(std::string_view client_id) const;

    std::size_t size() const { return records_.size(); }

    // The record in slot `i` (i < size()). Valid until the next merge().
    const location_record& slot(std::size_t i) const { return records_[i]; }

private:
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::uint32_t, string_hash, std::equal_to<>> slots_;
    std::vector<location_record> records_;
};

} // namespace herd::store
